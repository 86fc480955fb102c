import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { Redis } from 'ioredis';

/** A shared store a benchmark may use, under a name of its own. */
export interface SharedStore {
  name: string;
  url: string;
}

/**
 * PostgreSQL and Redis on this machine, when they answer, each given a fresh schema or key
 * prefix; `cleanUp` removes exactly those.
 */
export async function openSharedStores(): Promise<{
  stores: SharedStore[];
  cleanUp: () => Promise<void>;
}> {
  const suffix = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const stores: SharedStore[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  const postgresUrl =
    process.env.LATCHKEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    const schema = `latchkey_${suffix}`;
    stores.push({ name: 'PostgreSQL', url: `${postgresUrl}?schema=${schema}` });
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
  } catch {
    process.stderr.write(`PostgreSQL not reachable at ${postgresUrl}: left out\n`);
  }

  const redisUrl = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
  });
  try {
    await redis.connect();
    const prefix = `latchkey_${suffix}`;
    stores.push({ name: 'Redis', url: `${redisUrl}?prefix=${prefix}` });
    cleanups.push(async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    });
  } catch {
    redis.disconnect();
    process.stderr.write(`Redis not reachable at ${redisUrl}: left out\n`);
  }

  return {
    stores,
    cleanUp: async () => {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/** Registers a fresh account on a Latchkey server and returns its session `Cookie` header. */
export async function logIn(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${randomBytes(6).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
    }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status}`);
  const cookie = response.headers.getSetCookie()[0]?.split(';', 1)[0];
  if (cookie === undefined) throw new Error('no session cookie');
  return cookie;
}
