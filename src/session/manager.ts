import { ConfigError, LatchkeyError, StoreUnavailableError } from '../errors.js';
import { describeError, silentLogger } from '../log.js';
import {
  constantTimeEqual,
  generateId,
  generateSessionToken,
  hashToken,
  isWellFormedSessionToken,
} from '../token/index.js';
import { resolveSessionPolicy } from './policy.js';

import type { Logger } from '../log.js';
import type { SessionPolicy } from './policy.js';
import type {
  BindingAlgorithm,
  Clock,
  SessionBinding,
  SessionRecord,
  SessionStore,
} from './types.js';

/** What callers see of a session. It never carries the token or its hash. */
export interface Session {
  /** Public identifier, for listing and revoking. Not a secret, but not a credential either. */
  id: string;
  userId: string;
  createdAt: Date;
  /** When the session was last seen (to within the renewal interval). */
  lastSeenAt: Date;
  /** When the session ends if unused: the earlier of the idle and the absolute expiry. */
  expiresAt: Date;
  /** When the session ends however much it is used. */
  absoluteExpiresAt: Date;
  /** A short description of the client that created it, or null. */
  userAgent: string | null;
  /**
   * The key the browser registered for this session (Device Bound Session Credentials), or
   * null. A bound session's token alone does not authenticate: see `latchkey/http`.
   */
  binding: SessionBinding | null;
}

/** A new session and the token to send to its client, once. */
export interface CreatedSession {
  /** The secret for the cookie. Shown only here; the store keeps its SHA-256 hash. */
  token: string;
  session: Session;
}

/** The result of checking a token that belongs to a live session. */
export interface ValidatedSession {
  session: Session;
  /**
   * True when this check slid the idle expiry forward: the caller should send the cookie again
   * so that its Max-Age follows the session.
   */
  renewed: boolean;
}

/** Options for {@link SessionManager}. */
export interface SessionManagerOptions {
  /** Lifetimes; see {@link SessionPolicy} for each default. */
  policy?: Partial<SessionPolicy>;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  clock?: Clock;
  /** Receives `session.*` events. Default: silent. */
  logger?: Logger;
}

/** Options for {@link SessionManager.deleteExpiredSessions}. */
export interface SweepOptions {
  /**
   * Sessions deleted per store call. Default: 100. On SQLite, `openSqliteStores` runs each
   * batch on its checkpoint thread; a store that runs batches on the event loop holds every
   * request for one batch (with bench/sweep.ts, batches of 100 took 4 ms at the median and up
   * to 73 ms there, batches of 500 up to 268 ms).
   */
  batchSize?: number;
  /** Stop after this many batches even if more remain. Default: 5,000 (500,000 sessions). */
  maxBatches?: number;
  /**
   * Stops the sweep between batches once aborted: the batch under way finishes, and the count
   * deleted so far is returned. For a server shutting down, which must not close its store
   * under a sweep.
   */
  signal?: AbortSignal;
}

/** A short client description is enough to tell devices apart; the rest is noise. */
const USER_AGENT_MAX_LENGTH = 200;

/**
 * Creates, validates, renews, rotates and ends sessions on top of any {@link SessionStore}.
 *
 * Tokens are 256-bit random strings given to the client once; the store keeps only their
 * SHA-256. A store failure is thrown as {@link StoreUnavailableError}: never read as "no session".
 */
export class SessionManager {
  /** The resolved lifetimes this manager applies. */
  readonly policy: SessionPolicy;
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(store: SessionStore, options: SessionManagerOptions = {}) {
    this.policy = resolveSessionPolicy(options.policy);
    this.#store = store;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts a new session for a user (call it at every login: never reuse an old one). */
  async createSession(
    userId: string,
    options: { userAgent?: string | null } = {},
  ): Promise<CreatedSession> {
    const now = this.#clock();
    const token = generateSessionToken();
    const record: SessionRecord = {
      id: generateId(),
      tokenHash: hashToken(token),
      userId,
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      idleExpiresAt: new Date(now + this.policy.idleTimeoutSeconds * 1000),
      absoluteExpiresAt: new Date(now + this.policy.absoluteLifetimeSeconds * 1000),
      userAgent: trimUserAgent(options.userAgent),
    };
    await this.#call('insertSession', () => this.#store.insertSession(record));
    this.#logger.log('info', 'session.created', { userId });
    return { token, session: toSession(record) };
  }

  /**
   * The live session a token belongs to, or null. Hostile input is simply not a session: this
   * never throws for a bad token, only for a store failure. An expired session found here is
   * deleted. When the renewal interval has passed, the idle expiry slides forward, unless
   * `renew` is false (for checks that send no cookie back, such as logout).
   */
  async validateSession(
    token: unknown,
    options: { renew?: boolean } = {},
  ): Promise<ValidatedSession | null> {
    if (!isWellFormedSessionToken(token)) return null;
    const tokenHash = hashToken(token);
    const record = await this.#call('findSessionByTokenHash', () =>
      this.#store.findSessionByTokenHash(tokenHash),
    );
    // The store matched on the hash already; comparing again in constant time keeps a store
    // with a looser match (case folding, prefix index) from ever accepting a different token.
    if (record === null || !constantTimeEqual(record.tokenHash, tokenHash)) return null;

    const now = this.#clock();
    if (isExpired(record, now)) {
      await this.#call('deleteSession', () => this.#store.deleteSession(record.id));
      this.#logger.log('info', 'session.expired', { userId: record.userId });
      return null;
    }

    if (options.renew === false) return { session: toSession(record), renewed: false };
    return this.renewSession(toSession(record));
  }

  /**
   * Slides a session's idle expiry forward when the renewal interval has passed since it was
   * last seen (at most one write per interval). `validateSession` does this itself unless
   * told not to; call this after checks of your own (a bound session's bound cookie, say), so
   * that a request that fails them does not keep the session alive. A renewal the store fails
   * to write is skipped (`renewed: false`, logged `session.renewal_failed`): the session lives on.
   */
  async renewSession(session: Session): Promise<ValidatedSession> {
    const now = this.#clock();
    const renewalDue =
      now - session.lastSeenAt.getTime() >= this.policy.renewalIntervalSeconds * 1000;
    if (!renewalDue) return { session, renewed: false };
    const lastSeenAt = new Date(now);
    const idleExpiresAt = new Date(now + this.policy.idleTimeoutSeconds * 1000);
    // Nothing to slide: the renewal would end the session earlier than its idle expiry does (it
    // was given a longer idle timeout than this manager's), or the session already ends at its
    // absolute expiry, which no renewal moves. Stores never move an idle expiry back, so the
    // write would change nothing and the session would stay due, to be written again on every
    // request, each answer carrying the cookie again.
    const renewedEnd =
      idleExpiresAt < session.absoluteExpiresAt ? idleExpiresAt : session.absoluteExpiresAt;
    const end = renewedEnd.getTime();
    const current = session.expiresAt.getTime();
    const absolute = session.absoluteExpiresAt.getTime();
    if (end < current || (end === absolute && current === absolute)) {
      return { session, renewed: false };
    }
    try {
      await this.#call('touchSession', () =>
        this.#store.touchSession(session.id, lastSeenAt, idleExpiresAt),
      );
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // A SQLite file another process holds locked, say: the next request past the interval
      // tries again, and the cookie keeps its Max-Age.
      this.#logger.log('warn', 'session.renewal_failed', {
        userId: session.userId,
        detail: describeError(error.cause),
      });
      return { session, renewed: false };
    }
    return { session: { ...session, lastSeenAt, expiresAt: renewedEnd }, renewed: true };
  }

  /**
   * Gives a session a new id and token (call it at every privilege change), keeping its user,
   * creation time and absolute expiry. Returns null when the session is already gone, so that
   * two concurrent rotations leave exactly one session.
   */
  async rotateSession(sessionId: string): Promise<CreatedSession | null> {
    const old = await this.#call('findSessionById', () => this.#store.findSessionById(sessionId));
    const now = this.#clock();
    if (old === null || isExpired(old, now)) return null;

    const token = generateSessionToken();
    const next: SessionRecord = {
      ...old,
      id: generateId(),
      tokenHash: hashToken(token),
      lastSeenAt: new Date(now),
      idleExpiresAt: new Date(now + this.policy.idleTimeoutSeconds * 1000),
    };
    const replaced = await this.#call('replaceSession', () =>
      this.#store.replaceSession(old.id, next),
    );
    if (!replaced) return null;
    this.#logger.log('info', 'session.rotated', { userId: old.userId });
    return { token, session: toSession(next) };
  }

  /** Whether the store can keep a key with a session ({@link bindSession}). */
  get supportsBinding(): boolean {
    return typeof this.#store.bindSession === 'function';
  }

  /**
   * Binds a live session to the public key its browser proved it holds (DBSC). A session binds
   * once: returns the binding, or null when the session is gone or already bound. Throws
   * `ConfigError` when the store cannot keep bindings.
   */
  async bindSession(
    sessionId: string,
    key: { algorithm: BindingAlgorithm; publicKey: Record<string, string> },
  ): Promise<SessionBinding | null> {
    const bind = this.#store.bindSession?.bind(this.#store);
    if (bind === undefined) {
      throw new ConfigError(
        'sessionStore',
        'this store cannot bind sessions to keys (bindSession)',
      );
    }
    const now = this.#clock();
    const binding: SessionBinding = {
      ...key,
      publicKey: { ...key.publicKey },
      boundAt: new Date(now),
    };
    const bound = await this.#call('bindSession', () => bind(sessionId, binding));
    if (!bound) return null;
    this.#logger.log('info', 'session.bound', { algorithm: key.algorithm });
    return binding;
  }

  /**
   * Claims a one-time mark (a DBSC challenge, say) until `expiresAtMs`: true for the first
   * claim, false for every later one, on this server or any other sharing the store. The mark
   * is one of the store's atomic counters, swept with the throttle counters once expired.
   */
  async claimOnce(key: string, expiresAtMs: number): Promise<boolean> {
    const now = new Date(this.#clock());
    const state = await this.#call('incrementThrottle', () =>
      this.#store.incrementThrottle(key, now, new Date(expiresAtMs)),
    );
    return state.failures === 1;
  }

  /** Whether a live session has this public id. */
  async sessionExists(sessionId: string): Promise<boolean> {
    const record = await this.#call('findSessionById', () =>
      this.#store.findSessionById(sessionId),
    );
    return record !== null && !isExpired(record, this.#clock());
  }

  /** Ends one session on the server. Ending a session that is already gone is not an error. */
  async invalidateSession(sessionId: string): Promise<void> {
    await this.#call('deleteSession', () => this.#store.deleteSession(sessionId));
    this.#logger.log('info', 'session.revoked', {});
  }

  /** Ends every session of a user; returns how many there were. */
  async invalidateUserSessions(userId: string): Promise<number> {
    const count = await this.#call('deleteUserSessions', () =>
      this.#store.deleteUserSessions(userId),
    );
    // Nothing ended, nothing to tell: a second round after a password change usually finds none.
    if (count > 0) this.#logger.log('info', 'session.revoked_all', { userId, count });
    return count;
  }

  /**
   * Ends every session of a user but one (the one making the request): "log out my other
   * devices", and what a password change does. Returns how many ended.
   */
  async invalidateOtherSessions(userId: string, keepSessionId: string): Promise<number> {
    const records = await this.#call('listUserSessions', () =>
      this.#store.listUserSessions(userId),
    );
    let count = 0;
    for (const record of records) {
      if (record.id === keepSessionId) continue;
      await this.#call('deleteSession', () => this.#store.deleteSession(record.id));
      count += 1;
    }
    if (count > 0) this.#logger.log('info', 'session.revoked_others', { userId, count });
    return count;
  }

  /** A user's live sessions, newest first. */
  async listUserSessions(userId: string): Promise<Session[]> {
    const records = await this.#call('listUserSessions', () =>
      this.#store.listUserSessions(userId),
    );
    const now = this.#clock();
    return records.filter((record) => !isExpired(record, now)).map(toSession);
  }

  /**
   * Deletes expired sessions in bounded batches, yielding to the event loop between batches so
   * that requests keep flowing during a large sweep. Returns how many were deleted.
   */
  async deleteExpiredSessions(options: SweepOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? 100;
    const maxBatches = options.maxBatches ?? 5_000;
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      if (options.signal?.aborted === true) break;
      const now = new Date(this.#clock());
      const deleted = await this.#call('deleteExpiredSessions', () =>
        this.#store.deleteExpiredSessions(now, batchSize),
      );
      total += deleted;
      if (deleted < batchSize) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.#logger.log('info', 'session.swept', { count: total });
    return total;
  }

  /**
   * The Max-Age, in whole seconds, for a cookie carrying this session: the time left, rounded
   * up (a cookie that outlives its session by under a second is refused by the server anyway),
   * at least 0.
   */
  cookieMaxAgeSeconds(session: Session): number {
    return Math.max(0, Math.ceil((session.expiresAt.getTime() - this.#clock()) / 1000));
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // A third-party store may throw its driver's error directly; it still means "the store
      // failed", never "no session".
      if (error instanceof LatchkeyError) throw error;
      throw new StoreUnavailableError(operation, error);
    }
  }
}

function isExpired(record: SessionRecord, now: number): boolean {
  return record.idleExpiresAt.getTime() <= now || record.absoluteExpiresAt.getTime() <= now;
}

function toSession(record: SessionRecord): Session {
  const expiresAt =
    record.idleExpiresAt.getTime() < record.absoluteExpiresAt.getTime()
      ? record.idleExpiresAt
      : record.absoluteExpiresAt;
  return {
    id: record.id,
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    userAgent: record.userAgent,
    binding: record.binding ?? null,
  };
}

function trimUserAgent(userAgent: string | null | undefined): string | null {
  if (typeof userAgent !== 'string') return null;
  // Control characters have no place in a description shown back to users.
  // eslint-disable-next-line no-control-regex
  const cleaned = userAgent.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned === '' ? null : cleaned.slice(0, USER_AGENT_MAX_LENGTH);
}
