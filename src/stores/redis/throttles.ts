import { THROTTLE_FIELDS, decodeThrottle, integer, millis } from './codec.js';

import type { ThrottleState } from '../../session/types.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient, RedisScripts } from './scripts.js';

/** Counters swept per script call: a bound on how long one call holds the server. */
const SWEEP_CHUNK = 1000;

/**
 * Throttle counters in Redis, for `RedisSessionStore` (see keys.ts for the layout). A counter
 * and the index of counters change together in one script, so the index always holds each
 * counter's exact expiry. Unguarded: the store maps errors.
 */
export class RedisThrottles {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: RedisScripts;

  constructor(client: RedisClient, keys: RedisKeys, scripts: RedisScripts) {
    this.#client = client;
    this.#keys = keys;
    this.#scripts = scripts;
  }

  /** See `SessionStore.incrementThrottle`. */
  async increment(key: string, now: Date, expiresAt: Date): Promise<ThrottleState> {
    const reply = await this.#scripts.incrementThrottle(
      [this.#keys.throttle(key), this.#keys.throttleExpiry()],
      [key, millis(now), millis(expiresAt)],
    );
    return {
      key,
      failures: integer(reply),
      lastFailureAt: new Date(now),
      expiresAt: new Date(expiresAt),
    };
  }

  /** See `SessionStore.findThrottle`. */
  async find(key: string, now: Date): Promise<ThrottleState | null> {
    const reply = await this.#client.hmget(this.#keys.throttle(key), ...THROTTLE_FIELDS);
    const state = decodeThrottle(key, reply);
    return state !== null && state.expiresAt > now ? state : null;
  }

  /** See `SessionStore.deleteThrottle`. */
  async delete(key: string): Promise<void> {
    await this.#scripts.deleteThrottle(
      [this.#keys.throttle(key), this.#keys.throttleExpiry()],
      [key],
    );
  }

  /** See `SessionStore.deleteExpiredThrottles`; `limit` is a whole number, 0 or more. */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    // Each round deletes a full chunk or ends the loop, so it runs at most limit / chunk + 1 times.
    while (deleted < limit) {
      const chunk = Math.min(SWEEP_CHUNK, limit - deleted);
      const reply = await this.#scripts.sweepThrottles(
        [this.#keys.throttleExpiry()],
        [this.#keys.throttlePrefix(), millis(now), chunk],
      );
      const count = integer(reply);
      deleted += count;
      if (count < chunk) break;
    }
    return deleted;
  }
}
