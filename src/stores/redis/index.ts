/**
 * Sessions, users and throttle counters in Redis 7 or later, standalone or Cluster, through
 * `ioredis` (an optional peer dependency, imported only here). Imported as
 * `latchkey/stores/redis`.
 *
 * ```ts
 * const { sessions, users, close } = await openRedisStores('redis://127.0.0.1:6379');
 * ```
 *
 * Every session key expires by itself; keys that change together share a hash tag (see
 * {@link RedisKeys} for the layout). Client defaults bound every call to about two seconds when
 * Redis is down; see {@link DEFAULT_REDIS_OPTIONS}.
 *
 * @module
 */
export { DEFAULT_KEY_PREFIX, RedisKeys } from './keys.js';
export {
  DEFAULT_REDIS_CLUSTER_OPTIONS,
  DEFAULT_REDIS_OPTIONS,
  openRedisStores,
  reconnectDelayMs,
} from './open.js';
export { RedisSessionStore } from './session-store.js';
export { RedisUserStore } from './user-store.js';

export type { RedisOpenOptions, RedisStores } from './open.js';
export type { RedisClient } from './scripts.js';
export type { RedisStoreOptions } from './session-store.js';
