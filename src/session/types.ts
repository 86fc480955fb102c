/**
 * A source of the current time, in milliseconds since the Unix epoch. Injected everywhere time
 * matters so that expiry can be tested without sleeping. Defaults to `Date.now`.
 */
export type Clock = () => number;

/** The JWS algorithms a browser may bind a session with. */
export type BindingAlgorithm = 'ES256' | 'RS256';

/**
 * The key a browser proved it holds for a session (Device Bound Session Credentials): once a
 * session has one, the session token alone no longer authenticates.
 */
export interface SessionBinding {
  /** The algorithm the browser signs with. */
  algorithm: BindingAlgorithm;
  /** The public key as a JSON Web Key (RFC 7517): public members only, as strings. */
  publicKey: Record<string, string>;
  /** When the key was registered. */
  boundAt: Date;
}

/**
 * What a store keeps for one session. It never holds the raw token: only its SHA-256 hash, so
 * that a copy of the database logs nobody in.
 */
export interface SessionRecord {
  /** Public identifier (for listing and revoking). Random, and unrelated to the token. */
  id: string;
  /** SHA-256 of the session token, lowercase hex (64 characters). Unique. */
  tokenHash: string;
  /** The user this session belongs to. */
  userId: string;
  /** When the session was created. */
  createdAt: Date;
  /** When the session was last seen and its idle expiry extended (written at most once per renewal interval). */
  lastSeenAt: Date;
  /** The session ends at this time unless it is used again before it. */
  idleExpiresAt: Date;
  /** The session ends at this time whatever happens: the absolute lifetime. */
  absoluteExpiresAt: Date;
  /** A short description of the client that created it (a trimmed User-Agent), or null. */
  userAgent: string | null;
  /**
   * The key the browser bound this session to, or null (or absent) when it is not bound. Kept
   * through rotation. Optional so that stores written before binding existed still compile;
   * Latchkey's stores always return it, as null when unbound.
   */
  binding?: SessionBinding | null;
}

/**
 * A counter of recent failures under one key (an account, a client address), for throttling.
 * It lives in the session store so that every server sharing the store sees the same counts.
 */
export interface ThrottleState {
  /** What is counted, e.g. `login:account:<hash>`. Never a raw email or password. */
  key: string;
  /** Failures since the counter (re)started. */
  failures: number;
  /** When the latest failure was recorded. */
  lastFailureAt: Date;
  /** When the counter is forgotten if no failure comes first. */
  expiresAt: Date;
}

/**
 * The persistence a session manager needs. Every store (memory, SQLite, PostgreSQL, Redis)
 * implements it and passes the same conformance suite.
 *
 * Every method either does what it says or throws {@link StoreUnavailableError}: a failure is
 * never reported as "not found".
 */
export interface SessionStore {
  /**
   * Stores a new session. Its `id` (128 random bits) and `tokenHash` (of 256 random bits) are
   * new; a clash can only be a caller's bug and is rejected as a failure. A store that keeps the
   * users too may refuse a session for a user it does not have with `AccountError`
   * `USER_NOT_FOUND`: a login that raced the account's deletion, which is no failure of the store.
   */
  insertSession(record: SessionRecord): Promise<void>;
  /** The session whose token hashes to `tokenHash`, or null. Expired sessions may be returned. */
  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | null>;
  /** The session with this public id, or null. */
  findSessionById(id: string): Promise<SessionRecord | null>;
  /**
   * Moves a session's idle expiry forward (sliding renewal). Has no effect when the session is
   * gone. Never moves `idleExpiresAt` backwards, so concurrent renewals lose nothing.
   */
  touchSession(id: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void>;
  /**
   * Replaces a session with a new one atomically (rotation): the old one is deleted and the new
   * one inserted only when the old one still exists. Returns false, and inserts nothing, when
   * the old session was already gone, so that two concurrent rotations create one session.
   *
   * A binding survives the replacement: when `next.binding` is null or absent, the new session
   * gets the binding the old one holds at the moment of the replacement, read in the same
   * atomic step. A caller's copy of the old record may predate a concurrent `bindSession`, and
   * a bound session must never come back unbound, for then its token alone would authenticate
   * again. When `next` carries a binding of its own, that one is kept, whatever the old one
   * holds. So `replaceSession` can never remove a binding: end the session to drop it.
   */
  replaceSession(oldId: string, next: SessionRecord): Promise<boolean>;
  /** Deletes one session. Deleting a missing session is not an error. */
  deleteSession(id: string): Promise<void>;
  /** Deletes every session of a user; returns how many were deleted. */
  deleteUserSessions(userId: string): Promise<number>;
  /** Every session of a user, newest first, expired ones included until they are swept. */
  listUserSessions(userId: string): Promise<SessionRecord[]>;
  /**
   * Deletes up to `limit` (a whole number, 0 or more) sessions whose idle or absolute expiry is
   * at or before `now`;
   * returns how many were deleted. Bounded so that a sweep never holds the store for long.
   */
  deleteExpiredSessions(now: Date, limit: number): Promise<number>;
  /**
   * Records the key a browser registered for a session. Sets it only when the session exists
   * and has no binding yet (a session binds once); returns whether it did. Atomic: of two
   * concurrent calls, at most one returns true.
   */
  bindSession?(id: string, binding: SessionBinding): Promise<boolean>;

  /**
   * Adds one failure to the counter under `key` and returns it, atomically (two servers
   * recording at once count two). A counter that is missing or expired at `now` restarts at
   * one. Sets `lastFailureAt` to `now` and `expiresAt` to the given time.
   */
  incrementThrottle(key: string, now: Date, expiresAt: Date): Promise<ThrottleState>;
  /** The counter under `key`, or null when there is none or it expired at or before `now`. */
  findThrottle(key: string, now: Date): Promise<ThrottleState | null>;
  /** Forgets the counter under `key`. Forgetting a missing counter is not an error. */
  deleteThrottle(key: string): Promise<void>;
  /** Deletes up to `limit` counters expired at or before `now`; returns how many. */
  deleteExpiredThrottles(now: Date, limit: number): Promise<number>;
}
