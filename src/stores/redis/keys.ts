import { ConfigError } from '../../errors.js';

/** The prefix of every key when none is given: `latchkey`. */
export const DEFAULT_KEY_PREFIX = 'latchkey';

// Users whose key is remembered once made (see RedisKeys.user), as many as the tracked reads
// keep hashes; and the longest id remembered (Latchkey's ids have 26 characters).
const USER_KEYS_KEPT = 10_000;
const USER_KEY_ID_MAX_LENGTH = 128;

/**
 * The Redis key layout, for a prefix `P` (default `latchkey`). It is built for Redis Cluster:
 * a hash tag (the part in braces) decides a key's slot, so every operation that must be atomic
 * over several keys (a Lua script) touches keys that share one tag, and every lookup across
 * slots is a single-key read followed by a single-slot operation.
 *
 * Per user, all in the slot of the tag `{u:<userId>}`:
 *
 * - `P:{u:<userId>}:user`: hash, the account (`id`, `email`, `ph`, `c`, `d`, and, while its
 *   email is being changed, `pe` the new email and `pt` when the change began). No TTL.
 * - `P:{u:<userId>}:s:<sessionId>`: hash, one session (`id`, `th`, `u`, `c`, `ls`, `ie`,
 *   `ae`, `ua`, and `b`, the binding's JSON, once bound). TTL: PEXPIREAT at the earlier of its idle and absolute expiry, moved forward
 *   when the session is touched, so Redis drops a dead session by itself.
 * - `P:{u:<userId>}:sessions`: sorted set, the user's session ids scored by creation time.
 *   Ids whose session Redis dropped are removed lazily (when listed or deleted). TTL: the
 *   latest absolute expiry among its sessions.
 *
 * Lookups, one key each, in slots of their own:
 *
 * - `P:token:<tokenHash>`: string, JSON `[userId, sessionId]`. TTL: the session's, moved with
 *   it. The session it names is checked to carry this hash before it is returned.
 * - `P:sid:<sessionId>`: string, the user id. TTL: the session's, moved with it.
 * - `P:email:<email>`: string, the user id. No TTL.
 * - `P:users`: sorted set, user ids scored by creation time (for `listUsers`).
 * - `P:session-expiry`: sorted set, JSON `[userId, sessionId]` scored by the session's
 *   earliest expiry when it was stored (touching does not rewrite it, so it is a lower bound);
 *   the bounded sweep reads it. TTL: the latest absolute expiry it lists.
 *
 * Throttle counters, all in the slot of the tag `{P:throttles}`, so that a counter and the
 * index of counters change together in one script:
 *
 * - `P:{P:throttles}:k:<key>`: hash (`f` failures, `l` last failure, `e` expiry). TTL: `e`.
 * - `P:{P:throttles}:expiry`: sorted set, counter keys scored by expiry. TTL: the latest.
 *
 * `P:users`, `P:session-expiry` and the throttle tag each sit in one slot, so on a cluster one
 * node takes all their writes: one per registration, per new or ended session, and per failed
 * login. Checking a session, the busy path, reads two keys in two slots and writes none of them.
 *
 * Times are milliseconds since the Unix epoch, written as decimal integers.
 */
export class RedisKeys {
  readonly #prefix: string;
  readonly #throttleTag: string;
  // Replaced by an empty map when full, never cleared: see ISO_TIMES in src/http/present.ts.
  #userKeys = new Map<string, string>();

  /** Checks the prefix (see {@link checkKeyPrefix}). */
  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    checkKeyPrefix(prefix);
    this.#prefix = prefix;
    this.#throttleTag = `${prefix}:{${prefix}:throttles}`;
  }

  user(userId: string): string {
    // Made once per user and handed out again: each request looks its user's key up a few
    // times (kept in memory, admitted, read), and a string made afresh is hashed afresh for
    // each lookup, about 0.15 µs.
    let key = this.#userKeys.get(userId);
    if (key === undefined) {
      key = `${this.#userTag(userId)}:user`;
      if (userId.length <= USER_KEY_ID_MAX_LENGTH) {
        if (this.#userKeys.size >= USER_KEYS_KEPT) this.#userKeys = new Map();
        // Remembered under the id's text as it stands in the key, not the caller's string: an
        // id cut from a larger string would keep all of that string alive.
        const start = this.#prefix.length + ':{u:'.length;
        this.#userKeys.set(key.slice(start, start + userId.length), key);
      }
    }
    return key;
  }

  /** The session hash of `sessionId`, which belongs to `userId`. */
  session(userId: string, sessionId: string): string {
    return `${this.sessionPrefix(userId)}${sessionId}`;
  }

  /** What every session key of `userId` starts with; scripts append the session id. */
  sessionPrefix(userId: string): string {
    return `${this.#userTag(userId)}:s:`;
  }

  /**
   * What every key in a user's slot starts with (the user, their sessions and its index): the
   * prefix client-side caching watches (see tracked-reads.ts).
   */
  userSlots(): string {
    return `${this.#prefix}:{u:`;
  }

  userSessions(userId: string): string {
    return `${this.#userTag(userId)}:sessions`;
  }

  token(tokenHash: string): string {
    return `${this.#prefix}:token:${tokenHash}`;
  }

  sessionOwner(sessionId: string): string {
    return `${this.#prefix}:sid:${sessionId}`;
  }

  email(email: string): string {
    return `${this.#prefix}:email:${email}`;
  }

  users(): string {
    return `${this.#prefix}:users`;
  }

  sessionExpiry(): string {
    return `${this.#prefix}:session-expiry`;
  }

  /** What every throttle counter key starts with; scripts append the counter's key. */
  throttlePrefix(): string {
    return `${this.#throttleTag}:k:`;
  }

  throttle(key: string): string {
    return `${this.throttlePrefix()}${key}`;
  }

  throttleExpiry(): string {
    return `${this.#throttleTag}:expiry`;
  }

  #userTag(userId: string): string {
    // Whatever the id holds, every key of one user shares the text up to its first `}`, so all
    // of them land in one slot.
    return `${this.#prefix}:{u:${userId}}`;
  }
}

/**
 * Refuses a key prefix that would break the layout: empty, or holding a brace (which would
 * move the hash tag and split a user's keys across slots). Throws {@link ConfigError} naming
 * the `keyPrefix` option.
 */
export function checkKeyPrefix(prefix: string): void {
  if (prefix === '' || /[{}]/.test(prefix)) {
    throw new ConfigError(
      'keyPrefix',
      `must be a non-empty string without "{" or "}"; use e.g. "${DEFAULT_KEY_PREFIX}"`,
    );
  }
}

/** The member that stands for a session in `P:session-expiry` and the value of its token key. */
export function sessionPointer(userId: string, sessionId: string): string {
  return JSON.stringify([userId, sessionId]);
}

/** The user and session ids a pointer names; throws when it is not one. */
export function parseSessionPointer(pointer: string): [userId: string, sessionId: string] {
  const parsed: unknown = JSON.parse(pointer);
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    typeof parsed[1] === 'string'
  ) {
    return [parsed[0], parsed[1]];
  }
  throw new Error('latchkey: malformed session pointer in Redis');
}
