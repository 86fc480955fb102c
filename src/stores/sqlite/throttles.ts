import type Database from 'better-sqlite3';
import type { ThrottleState } from '../../session/types.js';

/**
 * Adds one failure to a counter in one statement, so that two connections recording at once
 * count two. A counter expired at or before `now` restarts at one instead of growing: in
 * `DO UPDATE`, the bare column names read the row as it was before this statement.
 */
export const INCREMENT_THROTTLE_SQL = `
  INSERT INTO throttles (key, failures, last_failure_at, expires_at)
  VALUES (@key, 1, @now, @expiresAt)
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN expires_at <= @now THEN 1 ELSE failures + 1 END,
    last_failure_at = @now,
    expires_at = @expiresAt
  RETURNING key, failures, last_failure_at, expires_at`;

/**
 * The sweep behind `deleteExpiredThrottles`: the counters that expired first, at most `limit`
 * of them, found by a range scan of `throttles_expires_at` (checked with EXPLAIN QUERY PLAN in
 * the tests).
 */
export const DELETE_EXPIRED_THROTTLES_SQL = `
  DELETE FROM throttles WHERE key IN (
    SELECT key FROM throttles WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
  )`;

/**
 * The prepared statements over the `throttles` table (schema version 2 or later). Synchronous
 * and unguarded: `SqliteSessionStore` calls them inside `settle`, which turns driver errors into
 * `StoreUnavailableError`. Times are milliseconds since the Unix epoch.
 */
export class ThrottleTable {
  readonly #increment: Database.Statement<IncrementParams, ThrottleRow>;
  readonly #find: Database.Statement<[string, number], ThrottleRow>;
  readonly #delete: Database.Statement<[string]>;
  readonly #deleteExpired: Database.Statement<[number, number]>;

  /** Prepares the statements; the driver throws when the table is missing. */
  constructor(database: Database.Database) {
    this.#increment = database.prepare(INCREMENT_THROTTLE_SQL);
    this.#find = database.prepare(
      `SELECT key, failures, last_failure_at, expires_at FROM throttles
       WHERE key = ? AND expires_at > ?`,
    );
    this.#delete = database.prepare('DELETE FROM throttles WHERE key = ?');
    this.#deleteExpired = database.prepare(DELETE_EXPIRED_THROTTLES_SQL);
  }

  /** See `SessionStore.incrementThrottle`. */
  increment(key: string, nowMs: number, expiresAtMs: number): ThrottleState {
    const row = this.#increment.get({ key, now: nowMs, expiresAt: expiresAtMs });
    // An upsert always writes one row, and RETURNING reports it.
    if (row === undefined) throw new Error('latchkey: the throttle upsert returned no row');
    return toThrottleState(row);
  }

  /** See `SessionStore.findThrottle`. */
  find(key: string, nowMs: number): ThrottleState | null {
    const row = this.#find.get(key, nowMs);
    return row === undefined ? null : toThrottleState(row);
  }

  /** See `SessionStore.deleteThrottle`. */
  delete(key: string): void {
    this.#delete.run(key);
  }

  /** See `SessionStore.deleteExpiredThrottles`; `limit` is a whole number, 0 or more. */
  deleteExpired(nowMs: number, limit: number): number {
    return this.#deleteExpired.run(nowMs, limit).changes;
  }
}

interface IncrementParams {
  key: string;
  now: number;
  expiresAt: number;
}

interface ThrottleRow {
  key: string;
  failures: number;
  last_failure_at: number;
  expires_at: number;
}

function toThrottleState(row: ThrottleRow): ThrottleState {
  return {
    key: row.key,
    failures: row.failures,
    lastFailureAt: new Date(row.last_failure_at),
    expiresAt: new Date(row.expires_at),
  };
}
