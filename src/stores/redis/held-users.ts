import { decodeUser } from './codec.js';

import type { UserRecord } from '../../accounts/types.js';
import type { RedisClient } from './scripts.js';

/**
 * Users read in the same call as one of their sessions, kept for the user store until the
 * current turn of the event loop ends: a request that has just checked a session asks for its
 * user next, in the same turn, and finds it here instead of waiting for another round trip.
 *
 * Nothing is kept longer than the turn in which Redis's reply was read, so a lookup in any
 * later turn (every request that arrives later) goes to Redis. Within the turn, the row is as
 * fresh as the session read with it; a write to the user through this process drops it first.
 * Rows are kept as the reply held them and decoded afresh for each caller, who may change what
 * it gets.
 */
export class HeldUsers {
  readonly #replies = new Map<string, unknown>();
  #clearing = false;
  readonly #clear = (): void => {
    this.#replies.clear();
    this.#clearing = false;
  };

  /**
   * Keeps a user's reply (its USER_FIELDS values) until this turn ends, if it is that user's:
   * nil (a user key that is not a hash), no user, or one the codec refuses is not kept, and the
   * user store then reads the key itself, failing as it always would.
   */
  offer(userId: string, reply: unknown): void {
    try {
      if (!Array.isArray(reply) || decodeUser(reply)?.id !== userId) return;
    } catch {
      return;
    }
    this.#replies.set(userId, reply);
    if (!this.#clearing) {
      this.#clearing = true;
      setImmediate(this.#clear);
    }
  }

  /** The user held for this turn, or undefined when there is none. */
  get(userId: string): UserRecord | undefined {
    const reply = this.#replies.get(userId);
    if (reply === undefined) return undefined;
    return decodeUser(reply) ?? undefined;
  }

  forget(userId: string): void {
    this.#replies.delete(userId);
  }
}

// One per client and key prefix: the session store and the user store built on them share it.
const heldByClient = new WeakMap<RedisClient, Map<string, HeldUsers>>();

/** The held users of the stores on `client` under `prefix`, created on first use. */
export function heldUsersOf(client: RedisClient, prefix: string): HeldUsers {
  let byPrefix = heldByClient.get(client);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    heldByClient.set(client, byPrefix);
  }
  let held = byPrefix.get(prefix);
  if (held === undefined) {
    held = new HeldUsers();
    byPrefix.set(prefix, held);
  }
  return held;
}
