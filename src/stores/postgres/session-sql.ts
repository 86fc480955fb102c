import { decodeBinding, encodeBinding } from '../binding.js';
import { prepared } from './schema.js';

import type { SessionRecord } from '../../session/types.js';
import type { PreparedQuery } from './schema.js';

/** A row of the `sessions` table as pg returns it (`timestamptz` parsed to `Date`). */
export interface SessionRow {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  user_agent: string | null;
  /**
   * The binding, selected as text (`binding::text`): null only for SQL NULL, so that a JSON
   * `null` written by hand reads as the malformed binding it is, not as "unbound".
   */
  binding: string | null;
}

/** The statements over `<schema>.sessions`, for the double-quoted schema name `schema`. */
export interface SessionSql {
  insert: PreparedQuery;
  findByTokenHash: PreparedQuery;
  findById: PreparedQuery;
  touch: PreparedQuery;
  bind: PreparedQuery;
  replace: PreparedQuery;
  delete: PreparedQuery;
  deleteByUser: PreparedQuery;
  listByUser: PreparedQuery;
  deleteExpired: PreparedQuery;
}

const COLUMNS =
  'id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ' +
  'user_agent, binding';

// What lookups read: every column as it is, but the binding as text (see SessionRow.binding).
const SELECT_COLUMNS =
  'id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ' +
  'user_agent, binding::text AS binding';

/** Builds the statements once per store; see each statement's comment for its contract. */
export function sessionSql(schema: string): SessionSql {
  const table = `${schema}.sessions`;
  const select = `SELECT ${SELECT_COLUMNS} FROM ${table}`;
  return {
    insert: prepared(
      `INSERT INTO ${table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    ),
    findByTokenHash: prepared(`${select} WHERE token_hash = $1`),
    findById: prepared(`${select} WHERE id = $1`),
    // The guard on idle_expires_at keeps a late, slower renewal from undoing a newer one.
    touch: prepared(
      `UPDATE ${table} SET last_seen_at = $2, idle_expires_at = $3
       WHERE id = $1 AND idle_expires_at < $3`,
    ),
    // A concurrent bind waits for this one's row lock, then re-checks `binding IS NULL` on the
    // updated row and changes nothing: a session binds once.
    bind: prepared(`UPDATE ${table} SET binding = $2 WHERE id = $1 AND binding IS NULL`),
    // One statement, so one transaction: the new row is inserted only when this statement
    // deleted the old one. A concurrent rotation blocks on the old row's lock, then finds it
    // gone and inserts nothing. If the insert fails (a clashing token hash), the delete is
    // rolled back with it and the old session stays.
    // The new row gets the old row's binding when it brings none ($10 null). RETURNING reads
    // the row the DELETE removed: a bind that committed first (after waiting on, or holding,
    // the row lock) is in it, and a bind that comes later finds no row and binds nothing.
    replace: prepared(
      `WITH old AS (DELETE FROM ${table} WHERE id = $1 RETURNING id, binding)
       INSERT INTO ${table} (${COLUMNS})
       SELECT $2::text, $3::text, $4::text, $5::timestamptz, $6::timestamptz, $7::timestamptz,
              $8::timestamptz, $9::text, COALESCE($10::jsonb, old.binding)
       FROM old`,
    ),
    delete: prepared(`DELETE FROM ${table} WHERE id = $1`),
    deleteByUser: prepared(`DELETE FROM ${table} WHERE user_id = $1`),
    listByUser: prepared(`${select} WHERE user_id = $1 ORDER BY created_at DESC, id DESC`),
    // The oldest expired sessions first, at most $2, by a range scan of sessions_expires_at.
    // SKIP LOCKED lets two servers sweep at once, each taking different rows, neither waiting.
    deleteExpired: prepared(
      `DELETE FROM ${table} WHERE id IN (
         SELECT id FROM ${table} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
    ),
  };
}

/**
 * The parameters of `insert` (and `$2`.. of `replace`), in column order. Throws a TypeError for
 * a binding that could not be read back (see `encodeBinding`).
 */
export function sessionParams(record: SessionRecord): unknown[] {
  return [
    record.id,
    record.tokenHash,
    record.userId,
    record.createdAt,
    record.lastSeenAt,
    record.idleExpiresAt,
    record.absoluteExpiresAt,
    record.userAgent,
    record.binding === null || record.binding === undefined ? null : encodeBinding(record.binding),
  ];
}

/** The record a row holds. */
export function toSessionRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    userAgent: row.user_agent,
    binding: row.binding === null ? null : decodeBinding(row.binding),
  };
}
