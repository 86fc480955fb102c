import { prepared } from './schema.js';

import type { ThrottleState } from '../../session/types.js';
import type { PreparedQuery } from './schema.js';

/** A row of the `throttles` table as pg returns it. */
export interface ThrottleRow {
  key: string;
  failures: number;
  last_failure_at: Date;
  expires_at: Date;
}

/** The statements over `<schema>.throttles`, for the double-quoted schema name `schema`. */
export interface ThrottleSql {
  increment: PreparedQuery;
  find: PreparedQuery;
  delete: PreparedQuery;
  deleteExpired: PreparedQuery;
}

/** Builds the statements once per store; see each statement's comment for its contract. */
export function throttleSql(schema: string): ThrottleSql {
  const table = `${schema}.throttles`;
  return {
    // One statement: the row lock taken by ON CONFLICT serializes concurrent failures under a
    // key, so two servers recording at once count two. In DO UPDATE, `t.` is the row as it was
    // before this statement, so an expired counter restarts at one instead of growing.
    increment: prepared(
      `INSERT INTO ${table} AS t (key, failures, last_failure_at, expires_at)
       VALUES ($1, 1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.expires_at <= $2 THEN 1 ELSE t.failures + 1 END,
         last_failure_at = $2,
         expires_at = $3
       RETURNING key, failures, last_failure_at, expires_at`,
    ),
    find: prepared(
      `SELECT key, failures, last_failure_at, expires_at FROM ${table}
       WHERE key = $1 AND expires_at > $2`,
    ),
    delete: prepared(`DELETE FROM ${table} WHERE key = $1`),
    // Like the session sweep: oldest first, at most $2, concurrent sweepers skip each other.
    deleteExpired: prepared(
      `DELETE FROM ${table} WHERE key IN (
         SELECT key FROM ${table} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
    ),
  };
}

/** The counter a row holds. */
export function toThrottleState(row: ThrottleRow): ThrottleState {
  return {
    key: row.key,
    failures: row.failures,
    lastFailureAt: row.last_failure_at,
    expiresAt: row.expires_at,
  };
}
