import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

/** A key prefix of one's own on the shared Redis, and how to remove every key under it. */
export interface RedisPrefix {
  /** The server, as `redis://host:port`. */
  url: string;
  /** Ends with ':'; every key a benchmark writes starts with it. */
  prefix: string;
  /** Deletes the keys under the prefix (SCAN and DEL; never FLUSHDB) and disconnects. */
  cleanUp: () => Promise<void>;
}

/**
 * Reserves a fresh prefix on the Redis the tests use (`LATCHKEY_TEST_REDIS_URL`, default
 * 127.0.0.1:6379), for a library other than Latchkey; null when Redis does not answer.
 */
export async function reserveRedisPrefix(label: string): Promise<RedisPrefix | null> {
  const url = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
  });
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    return null;
  }
  const prefix = `${label}_${process.pid}_${randomBytes(4).toString('hex')}:`;
  return {
    url,
    prefix,
    cleanUp: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
