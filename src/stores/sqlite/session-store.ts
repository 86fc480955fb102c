import Database from 'better-sqlite3';

import { accountGone } from '../../errors.js';
import { decodeBinding, encodeBinding } from '../binding.js';
import { readCacheOf } from './read-cache.js';
import { sessionKeyOf } from './session-key.js';
import { settle, toStoreError } from './settle.js';
import { ThrottleTable } from './throttles.js';
import { userCacheOf } from './user-store.js';

import type { ReadCache } from './read-cache.js';
import type { UserRow } from './user-store.js';
import type {
  SessionBinding,
  SessionRecord,
  SessionStore,
  ThrottleState,
} from '../../session/types.js';

/**
 * The sweep behind `deleteExpiredSessions`: the oldest expired sessions first, at most `limit`
 * of them. `expires_at` is the indexed earlier of the two expiries, so the inner query is a
 * range scan of `sessions_expires_at`, which holds each row's key: the rows are then deleted by
 * key, with no search of the `id` index (both checked with EXPLAIN QUERY PLAN in the tests).
 */
export const DELETE_EXPIRED_SESSIONS_SQL = `
  DELETE FROM sessions WHERE key IN (
    SELECT key FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
  )`;

/**
 * Sessions in the SQLite `sessions` table, and throttle counters in `throttles` (schema version 4
 * or later: sessions keyed by their token hash, see session-key.ts). Statements are prepared once,
 * here; the database handle is shared and not owned: closing it is the opener's job, after which
 * every method rejects with `StoreUnavailableError`.
 *
 * The driver is synchronous, so each method finishes its work before it returns; the promise
 * only carries the outcome. Driver errors of every kind become `StoreUnavailableError`, and so
 * does a session whose stored binding cannot be read (see binding.ts): never "unbound".
 */
export class SqliteSessionStore implements SessionStore {
  readonly #insert: Database.Statement<SessionParams>;
  readonly #findByTokenHash: Database.Statement<[bigint, string], unknown[]>;
  readonly #findById: Database.Statement<[string], SessionRow>;
  readonly #touch: Database.Statement<TouchParams>;
  readonly #bind: Database.Statement<[string, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #take: Database.Statement<[string], { binding: string | null }>;
  readonly #deleteByUser: Database.Statement<[string]>;
  readonly #listByUser: Database.Statement<[string], SessionRow>;
  readonly #deleteExpired: Database.Statement<[number, number]>;
  readonly #replace: Database.Transaction<(oldId: string, next: SessionRecord) => boolean>;
  readonly #throttles: ThrottleTable;
  // Rows by token hash, for the lookup every authenticated request makes. Local writes drop or
  // update what they touch; a write by another process empties it (see ReadCache).
  readonly #cache: ReadCache<SessionRow>;
  readonly #users: ReadCache<UserRow>;

  /** Prepares the statements; throws `StoreUnavailableError` when the schema is missing. */
  constructor(database: Database.Database) {
    try {
      this.#insert = database.prepare(INSERT_SQL);
      // The session and its user in one statement: each statement outside a transaction takes
      // and drops WAL read locks, about half of a lookup's time, and every authenticated request
      // asks for the user next. Rows as arrays: the driver builds them faster than objects.
      this.#findByTokenHash = database
        .prepare<[bigint, string], unknown[]>(FIND_WITH_USER_SQL)
        .raw(true);
      this.#findById = database.prepare(`${SELECT_SQL} WHERE id = ?`);
      // The guard on idle_expires_at keeps a late, slower renewal from undoing a newer one.
      this.#touch = database.prepare(
        `UPDATE sessions SET last_seen_at = @lastSeenAt, idle_expires_at = @idleExpiresAt
         WHERE id = @id AND idle_expires_at < @idleExpiresAt`,
      );
      // One statement: of two binds of one session, the second finds binding set and changes
      // nothing, in this process or another.
      this.#bind = database.prepare(
        'UPDATE sessions SET binding = ? WHERE id = ? AND binding IS NULL',
      );
      this.#delete = database.prepare('DELETE FROM sessions WHERE id = ?');
      // Deletes a session and reads its binding (as stored) in one statement, for rotation.
      this.#take = database.prepare('DELETE FROM sessions WHERE id = ? RETURNING binding');
      this.#deleteByUser = database.prepare('DELETE FROM sessions WHERE user_id = ?');
      this.#listByUser = database.prepare(
        `${SELECT_SQL} WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
      );
      this.#deleteExpired = database.prepare(DELETE_EXPIRED_SESSIONS_SQL);
      // The old binding is read from the file inside the transaction, never from the read
      // cache, and carried to the new row unless it brings its own (see replaceSession).
      const replace = (oldId: string, next: SessionRecord): boolean => {
        const params = toParams(next);
        const old = this.#take.get(oldId);
        if (old === undefined) return false;
        this.#insert.run({ ...params, binding: params.binding ?? old.binding });
        return true;
      };
      this.#replace = database.transaction(replace);
      this.#throttles = new ThrottleTable(database);
      // Writes name a session by its id; lookups, by its token hash.
      this.#cache = readCacheOf<SessionRow>(database, 'sessions', { aliasOf: (row) => row.id });
      this.#users = userCacheOf(database);
    } catch (error) {
      throw toStoreError('SqliteSessionStore', error);
    }
  }

  insertSession(record: SessionRecord): Promise<void> {
    try {
      this.#insert.run(toParams(record));
      return Promise.resolve();
    } catch (error) {
      // The only foreign key of a session is its user: one deleted since the caller read it.
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        return Promise.reject(accountGone());
      }
      return Promise.reject(toStoreError('insertSession', error));
    }
  }

  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    return settle('findSessionByTokenHash', () => {
      let row = this.#cache.get(tokenHash);
      if (row === undefined) {
        const joined = this.#findByTokenHash.get(sessionKeyOf(tokenHash), tokenHash) as
          JoinedRow | undefined;
        if (joined === undefined) return null;
        row = sessionRowOf(joined, tokenHash);
        this.#cache.offer(tokenHash, row);
        const user = userRowOf(joined);
        if (user !== null) this.#users.holdForTurn(user.id, user);
      }
      return toSessionRecord(row);
    });
  }

  findSessionById(id: string): Promise<SessionRecord | null> {
    return settle('findSessionById', () => toRecord(this.#findById.get(id)));
  }

  touchSession(id: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    return settle('touchSession', () => {
      // The row's new expiry is what the UPDATE decides: read afresh next time. Only this row:
      // a renewal that emptied the whole cache (every session's, once a minute) left a server
      // with thousands of active sessions almost nothing cached.
      this.#cache.deleteByAlias(id);
      this.#touch.run({
        id,
        lastSeenAt: lastSeenAt.getTime(),
        idleExpiresAt: idleExpiresAt.getTime(),
      });
    });
  }

  /** See {@link SessionStore.bindSession}. A binding it could not read back rejects. */
  bindSession(id: string, binding: SessionBinding): Promise<boolean> {
    return settle('bindSession', () => {
      const stored = encodeBinding(binding);
      this.#cache.deleteByAlias(id);
      return this.#bind.run(stored, id).changes > 0;
    });
  }

  /**
   * See {@link SessionStore.replaceSession}: the old row's binding, read in the transaction that
   * deletes it, goes to the new row when `next` has none.
   */
  replaceSession(oldId: string, next: SessionRecord): Promise<boolean> {
    // IMMEDIATE takes the write lock before the delete, so a rotation in another process waits
    // for this one (up to busy_timeout) and then finds the old session gone.
    return settle('replaceSession', () => {
      this.#cache.deleteByAlias(oldId);
      return this.#replace.immediate(oldId, next);
    });
  }

  deleteSession(id: string): Promise<void> {
    return settle('deleteSession', () => {
      this.#cache.deleteByAlias(id);
      this.#delete.run(id);
    });
  }

  deleteUserSessions(userId: string): Promise<number> {
    return settle('deleteUserSessions', () => {
      this.#cache.clear();
      return this.#deleteByUser.run(userId).changes;
    });
  }

  listUserSessions(userId: string): Promise<SessionRecord[]> {
    return settle('listUserSessions', () => this.#listByUser.all(userId).map(toSessionRecord));
  }

  /** See {@link SessionStore.deleteExpiredSessions}. A negative or fractional `limit` rejects. */
  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredSessions', limit);
    if (refused !== null) return Promise.reject(refused);
    return settle('deleteExpiredSessions', () => {
      this.#cache.clear();
      return this.#deleteExpired.run(now.getTime(), limit).changes;
    });
  }

  incrementThrottle(key: string, now: Date, expiresAt: Date): Promise<ThrottleState> {
    return settle('incrementThrottle', () => {
      return this.#throttles.increment(key, now.getTime(), expiresAt.getTime());
    });
  }

  findThrottle(key: string, now: Date): Promise<ThrottleState | null> {
    return settle('findThrottle', () => this.#throttles.find(key, now.getTime()));
  }

  deleteThrottle(key: string): Promise<void> {
    return settle('deleteThrottle', () => {
      this.#throttles.delete(key);
    });
  }

  /** See {@link SessionStore.deleteExpiredThrottles}. A negative or fractional `limit` rejects. */
  deleteExpiredThrottles(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredThrottles', limit);
    if (refused !== null) return Promise.reject(refused);
    return settle('deleteExpiredThrottles', () => {
      return this.#throttles.deleteExpired(now.getTime(), limit);
    });
  }
}

interface SessionRow {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  user_agent: string | null;
  binding: string | null;
}

interface SessionParams {
  key: bigint;
  id: string;
  tokenHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string | null;
  binding: string | null;
}

interface TouchParams {
  id: string;
  lastSeenAt: number;
  idleExpiresAt: number;
}

const SELECT_SQL = `
  SELECT id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
         absolute_expires_at, user_agent, binding
  FROM sessions`;

const INSERT_SQL = `
  INSERT INTO sessions (key, id, token_hash, user_id, created_at, last_seen_at,
                        idle_expires_at, absolute_expires_at, user_agent, binding)
  VALUES (@key, @id, @tokenHash, @userId, @createdAt, @lastSeenAt, @idleExpiresAt,
          @absoluteExpiresAt, @userAgent, @binding)`;

function toParams(record: SessionRecord): SessionParams {
  return {
    key: sessionKeyOf(record.tokenHash),
    id: record.id,
    tokenHash: record.tokenHash,
    userId: record.userId,
    createdAt: record.createdAt.getTime(),
    lastSeenAt: record.lastSeenAt.getTime(),
    idleExpiresAt: record.idleExpiresAt.getTime(),
    absoluteExpiresAt: record.absoluteExpiresAt.getTime(),
    userAgent: record.userAgent,
    binding:
      record.binding === null || record.binding === undefined
        ? null
        : encodeBinding(record.binding),
  };
}

/**
 * The error for a sweep `limit` that is not a whole number, 0 or more, or null when it is one.
 * SQLite reads a negative LIMIT as "no limit": refusing it beats sweeping everything. This is
 * the caller's mistake, not the store's, so it is a RangeError, not a StoreUnavailableError.
 */
export function refuseSweepLimit(operation: string, limit: number): RangeError | null {
  if (Number.isSafeInteger(limit) && limit >= 0) return null;
  return new RangeError(`latchkey: ${operation} limit must be an integer, 0 or more`);
}

/**
 * The statement behind a session lookup that misses the read cache: a session's columns as
 * SELECT_SQL lists them (less token_hash, the hash looked up), then its user's as the users store
 * reads them; the user's are null if the row has gone. Its parameters are the session's key
 * (sessionKeyOf), by which the row is found, and the token hash, which the row must hold: two
 * B-tree searches, the session's and its user's. Exported for bench/lookup-schema.ts, not from
 * the package.
 */
export const FIND_WITH_USER_SQL = `
  SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at,
         s.absolute_expires_at, s.user_agent, s.binding,
         u.id, u.email, u.password_hash, u.created_at, u.disabled_at
  FROM sessions AS s LEFT JOIN users AS u ON u.id = s.user_id
  WHERE s.key = ? AND s.token_hash = ?`;

type JoinedRow = [
  id: string,
  userId: string,
  createdAt: number,
  lastSeenAt: number,
  idleExpiresAt: number,
  absoluteExpiresAt: number,
  userAgent: string | null,
  binding: string | null,
  userRowId: string | null,
  email: string | null,
  passwordHash: string | null,
  userCreatedAt: number | null,
  disabledAt: number | null,
];

function sessionRowOf(joined: JoinedRow, tokenHash: string): SessionRow {
  return {
    id: joined[0],
    token_hash: tokenHash,
    user_id: joined[1],
    created_at: joined[2],
    last_seen_at: joined[3],
    idle_expires_at: joined[4],
    absolute_expires_at: joined[5],
    user_agent: joined[6],
    binding: joined[7],
  };
}

function userRowOf(joined: JoinedRow): UserRow | null {
  const [, , , , , , , , id, email, passwordHash, createdAt, disabledAt] = joined;
  if (id === null || email === null || passwordHash === null || createdAt === null) return null;
  return { id, email, password_hash: passwordHash, created_at: createdAt, disabled_at: disabledAt };
}

function toRecord(row: SessionRow | undefined): SessionRecord | null {
  return row === undefined ? null : toSessionRecord(row);
}

function toSessionRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: new Date(row.created_at),
    lastSeenAt: new Date(row.last_seen_at),
    idleExpiresAt: new Date(row.idle_expires_at),
    absoluteExpiresAt: new Date(row.absolute_expires_at),
    userAgent: row.user_agent,
    binding: row.binding === null ? null : decodeBinding(row.binding),
  };
}
