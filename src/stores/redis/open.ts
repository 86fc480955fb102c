import { Redis } from 'ioredis';

import { StoreUnavailableError } from '../../errors.js';
import { guard } from './errors.js';
import { RedisSessionStore } from './session-store.js';
import { RedisUserStore } from './user-store.js';

import type { RedisOptions } from 'ioredis';
import type { RedisStoreOptions } from './session-store.js';

/**
 * The delay before reconnect attempt `attempt` (1, 2, ...), in milliseconds: 100 ms doubling
 * to a cap of 2 s, plus up to 100 ms of random jitter so that many servers do not reconnect
 * in step. A restarted Redis is therefore found again within about two seconds.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(attempt - 1, 0), 2_000) + Math.floor(Math.random() * 100);
}

/**
 * The ioredis settings {@link openRedisStores} starts from; anything given in `RedisOptions`
 * wins. Chosen so that a Redis that is down, unreachable or stuck turns into
 * `StoreUnavailableError` (HTTP 503) within about two seconds, instead of commands queueing in
 * memory until it returns (ioredis's default) while requests hang.
 */
export const DEFAULT_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  /** Opening a connection fails after 2 s (ioredis: 10 s). */
  connectTimeout: 2_000,
  /** A command with no reply after 2 s fails (ioredis: never). */
  commandTimeout: 2_000,
  /**
   * While disconnected, commands fail at once instead of waiting in a queue (ioredis: queued
   * until the connection returns).
   */
  enableOfflineQueue: false,
  /**
   * A command whose connection drops fails at once and is not sent again on reconnect (ioredis:
   * retried up to 20 times). Not every store call is idempotent: a throttle increment retried
   * after a lost reply could count one failure twice.
   */
  maxRetriesPerRequest: 0,
  /** Commands sent but unanswered when the connection dropped are not resent (ioredis: are). */
  autoResendUnfulfilledCommands: false,
  /** Reconnect forever, with the backoff of {@link reconnectDelayMs}. */
  retryStrategy: reconnectDelayMs,
  /** Shown in `CLIENT LIST`. */
  connectionName: 'latchkey',
});

/** Options for {@link openRedisStores}. */
export interface RedisOpenOptions extends RedisStoreOptions {
  /**
   * Called with errors the client reports outside any call (a dropped connection, a failed
   * reconnect). They need no action: the client reconnects by itself, and calls made while
   * Redis is down reject on their own. Default: ignored.
   */
  onClientError?: (error: Error) => void;
}

/** Both stores on one client, and the client they share. */
export interface RedisStores {
  /** The shared ioredis client (for health checks). */
  client: Redis;
  sessions: RedisSessionStore;
  users: RedisUserStore;
  /** Closes the connection; the stores then fail with `StoreUnavailableError`. */
  close(): Promise<void>;
}

/**
 * Connects to Redis (7.0 or later) with a `redis://` or `rediss://` URL or ioredis
 * `RedisOptions` (over {@link DEFAULT_REDIS_OPTIONS}), waits until it is ready, and builds the
 * session and user stores on one client. For Redis Cluster, build an ioredis `Cluster` with the
 * same settings and give it to `RedisSessionStore` and `RedisUserStore` directly.
 *
 * Throws `ConfigError` for a bad option, and `StoreUnavailableError` when Redis cannot be
 * reached within the connect timeout; the client is then closed.
 */
export async function openRedisStores(
  connection: string | RedisOptions,
  options: RedisOpenOptions = {},
): Promise<RedisStores> {
  // The stores read replies in ioredis's legacy shapes (arrays, not objects), whatever was asked.
  const fixed = { lazyConnect: true, replyMapping: 'legacy' } as const;
  const client =
    typeof connection === 'string'
      ? new Redis(connection, { ...DEFAULT_REDIS_OPTIONS, ...fixed })
      : new Redis({ ...DEFAULT_REDIS_OPTIONS, ...connection, ...fixed });
  // Without a listener, ioredis reports every connection error on the console.
  client.on('error', options.onClientError ?? (() => undefined));

  try {
    const stores: RedisStores = {
      client,
      sessions: new RedisSessionStore(client, options),
      users: new RedisUserStore(client, options),
      close: () =>
        guard('close', async () => {
          if (client.status === 'ready') await client.quit();
          else client.disconnect();
        }),
    };
    await client.connect().catch((error: unknown) => {
      throw new StoreUnavailableError('openRedisStores', error);
    });
    return stores;
  } catch (error) {
    client.disconnect();
    throw error;
  }
}
