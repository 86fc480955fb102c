import { Redis } from 'ioredis';

import { StoreUnavailableError } from '../../errors.js';
import { registerStoreSecrets, storeUrlSecrets } from '../../untrusted-text.js';
import { guard } from './errors.js';
import { RedisKeys } from './keys.js';
import { RedisSessionStore } from './session-store.js';
import { TrackedReads } from './tracked-reads.js';
import { RedisUserStore } from './user-store.js';

import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisStoreOptions } from './session-store.js';

/**
 * The delay before reconnect attempt `attempt` (1, 2, ...), in milliseconds: 100 ms doubling
 * to a cap of 2 s, plus up to 100 ms of random jitter so that many servers do not reconnect
 * in step. A restarted Redis is therefore found again within about two seconds.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(attempt - 1, 0), 2_000) + Math.floor(Math.random() * 100);
}

/** The default connect timeout: 2,000 ms. */
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * The ioredis settings {@link openRedisStores} starts from; anything given in `RedisOptions`
 * wins. Chosen so that a Redis that is down, unreachable or stuck turns into
 * `StoreUnavailableError` (HTTP 503) within about two seconds, instead of commands queueing in
 * memory until it returns (ioredis's default) while requests hang.
 */
export const DEFAULT_REDIS_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  /**
   * Opening a connection fails after 2 s (ioredis: 10 s). `openRedisStores` also gives up
   * after this long when the server accepts the connection but does not answer the handshake.
   */
  connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
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
  /**
   * No INFO before the connection counts as ready (ioredis: sent, and the server's refusal
   * printed on the console as it came, which a hostile server can fill with the password it
   * was sent). A server still loading its data answers commands with an error meanwhile, a 503.
   */
  enableReadyCheck: false,
});

/**
 * The same settings for an ioredis `Cluster` (Redis Cluster): give them, with your nodes, to
 * `new Cluster(nodes, DEFAULT_REDIS_CLUSTER_OPTIONS)`, connect it, and build the stores on it.
 * The per-node settings are those of {@link DEFAULT_REDIS_OPTIONS}; the cluster-wide ones turn
 * off the offline queue and reconnect with the same backoff.
 */
export const DEFAULT_REDIS_CLUSTER_OPTIONS: Readonly<
  ClusterOptions & { redisOptions: ClusterOptions['redisOptions'] & { replyMapping: 'legacy' } }
> = Object.freeze({
  enableOfflineQueue: false,
  clusterRetryStrategy: reconnectDelayMs,
  redisOptions: {
    // The stores read replies in ioredis's legacy shapes (arrays, not objects).
    replyMapping: 'legacy' as const,
    connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: 'latchkey',
    enableReadyCheck: false,
  },
});

/** Options for {@link openRedisStores}. */
export interface RedisOpenOptions extends RedisStoreOptions {
  /**
   * Called with errors the client reports outside any call (a dropped connection, a failed
   * reconnect). They need no action: the client reconnects by itself, and calls made while
   * Redis is down reject on their own. Default: ignored.
   */
  onClientError?: (error: Error) => void;
  /**
   * Keep sessions and users read from Redis in this process, under Redis's client-side caching
   * (`CLIENT TRACKING`, one more connection): an authenticated request then usually needs one
   * PING per event-loop turn instead of three reads, and a session revoked by any server is
   * still refused by every other from the next request on (see `TrackedReads`). Up to 10,000
   * sessions and users in all. Default true.
   */
  clientCache?: boolean;
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
 * session and user stores on one client. For Redis Cluster, build an ioredis `Cluster` with
 * {@link DEFAULT_REDIS_CLUSTER_OPTIONS} and give it to `RedisSessionStore` and `RedisUserStore`.
 *
 * Throws `ConfigError` for a bad option, and `StoreUnavailableError` when Redis cannot be
 * reached within the connect timeout; the client is then closed.
 */
export async function openRedisStores(
  connection: string | RedisOptions,
  options: RedisOpenOptions = {},
): Promise<RedisStores> {
  // A server's error may quote the password it was sent: it is masked wherever Latchkey
  // describes an error from now on.
  try {
    registerStoreSecrets(
      typeof connection === 'string'
        ? storeUrlSecrets(connection)
        : [connection.password, connection.sentinelPassword],
    );
  } catch {
    // Options it cannot read: how opening fails stays the driver's to say.
  }
  // The stores read replies in ioredis's legacy shapes (arrays, not objects), whatever was asked.
  const fixed = { lazyConnect: true, replyMapping: 'legacy' } as const;
  const client =
    typeof connection === 'string'
      ? new Redis(connection, { ...DEFAULT_REDIS_OPTIONS, ...fixed })
      : new Redis({ ...DEFAULT_REDIS_OPTIONS, ...connection, ...fixed });
  // Without a listener, ioredis reports every connection error on the console.
  client.on('error', options.onClientError ?? (() => undefined));

  const reads =
    options.clientCache === false
      ? null
      : new TrackedReads(client, {
          prefix: new RedisKeys(options.keyPrefix).userSlots(),
          onError: options.onClientError ?? (() => undefined),
        });
  const timeoutMs = client.options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  try {
    const stores: RedisStores = {
      client,
      sessions: new RedisSessionStore(client, options, reads),
      users: new RedisUserStore(client, options, reads),
      close: () =>
        guard('close', async () => {
          const quit = async (): Promise<void> => {
            // A quit refused by a connection just lost still has to stop its reconnects.
            if (client.status === 'ready') {
              await client.quit().catch(() => {
                client.disconnect();
              });
            } else {
              client.disconnect();
            }
          };
          await Promise.all([reads?.close(), quit()]);
        }),
    };
    await connectWithin(client, timeoutMs);
    if (reads !== null) await startWithin(reads, timeoutMs);
    return stores;
  } catch (error) {
    client.disconnect();
    await reads?.close().catch(() => undefined);
    throw error;
  }
}

/** Starts the tracked reads within `timeoutMs`, as {@link connectWithin} the client. */
async function startWithin(reads: TrackedReads, timeoutMs: number): Promise<void> {
  try {
    await within(reads.start(), timeoutMs);
  } catch (error) {
    throw new StoreUnavailableError('openRedisStores', error);
  }
}

/** Settles as `work` does, or rejects once `timeoutMs` have passed. */
async function within(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Redis was not ready within ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects and waits for the client to be ready, for at most `timeoutMs`: ioredis bounds the
 * TCP connection by `connectTimeout`, but then waits for the handshake (HELLO, the ready
 * check) under the command timeout, once per step. Throws `StoreUnavailableError`.
 */
async function connectWithin(client: Redis, timeoutMs: number): Promise<void> {
  // ioredis rejects connect() with a bare "Connection is closed."; the reason (ECONNREFUSED,
  // a DNS failure, a refused password) arrives as an 'error' event, so that is the cause kept.
  let reason: unknown;
  const remember = (error: unknown): void => {
    reason = error;
  };
  client.on('error', remember);
  try {
    await within(client.connect(), timeoutMs);
  } catch (error) {
    throw new StoreUnavailableError('openRedisStores', reason ?? error);
  } finally {
    client.off('error', remember);
  }
}
