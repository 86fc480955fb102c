import { DatabaseError } from 'pg';

import { accountGone } from '../../errors.js';
import { encodeBinding } from '../binding.js';
import { guard, refuseSweepLimit } from './errors.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema.js';
import { sessionParams, sessionSql, toSessionRecord } from './session-sql.js';
import { throttleSql, toThrottleState } from './throttles.js';

import type { Pool } from 'pg';
import type {
  SessionBinding,
  SessionRecord,
  SessionStore,
  ThrottleState,
} from '../../session/types.js';
import type { SessionRow, SessionSql } from './session-sql.js';
import type { ThrottleRow, ThrottleSql } from './throttles.js';

/** Options for {@link PostgresSessionStore} and {@link PostgresUserStore}. */
export interface PostgresStoreOptions {
  /**
   * The schema holding Latchkey's tables: a lower-case identifier (a-z, 0-9, _), at most 63
   * characters. Several deployments can share one database under different schemas. Default
   * `latchkey`.
   */
  schema?: string;
}

/**
 * Sessions in the PostgreSQL table `<schema>.sessions`, and throttle counters in
 * `<schema>.throttles` (created by `migratePostgres`). Every method is one statement on one
 * pooled connection, prepared once per connection.
 *
 * The pool is shared and not owned: ending it is the opener's job. Its settings bound how long
 * a call can take when the server is slow or gone (see `DEFAULT_POSTGRES_POOL_CONFIG`); a pool
 * built without timeouts can make calls wait forever. Every failure rejects with
 * `StoreUnavailableError`, never with "not found"; so does a lookup of a session whose stored
 * binding cannot be read (see binding.ts), never reported as unbound.
 */
export class PostgresSessionStore implements SessionStore {
  readonly #pool: Pool;
  readonly #sql: SessionSql;
  readonly #throttles: ThrottleSql;

  /** Builds the statements; throws `ConfigError` for a bad schema name. Nothing is sent yet. */
  constructor(pool: Pool, options: PostgresStoreOptions = {}) {
    const schema = quoteSchema(options.schema ?? DEFAULT_SCHEMA);
    this.#pool = pool;
    this.#sql = sessionSql(schema);
    this.#throttles = throttleSql(schema);
  }

  insertSession(record: SessionRecord): Promise<void> {
    return guard('insertSession', async () => {
      try {
        await this.#pool.query({ ...this.#sql.insert, values: sessionParams(record) });
      } catch (error) {
        // SQLSTATE 23503, foreign_key_violation: the session's only foreign key is its user, one
        // deleted since the caller read it.
        if (error instanceof DatabaseError && error.code === '23503') {
          throw accountGone();
        }
        throw error;
      }
    });
  }

  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    return guard('findSessionByTokenHash', () =>
      this.#findOne(this.#sql.findByTokenHash, tokenHash),
    );
  }

  findSessionById(id: string): Promise<SessionRecord | null> {
    return guard('findSessionById', () => this.#findOne(this.#sql.findById, id));
  }

  touchSession(id: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    return guard('touchSession', async () => {
      await this.#pool.query({ ...this.#sql.touch, values: [id, lastSeenAt, idleExpiresAt] });
    });
  }

  /** See {@link SessionStore.bindSession}. A binding it could not read back rejects. */
  bindSession(id: string, binding: SessionBinding): Promise<boolean> {
    return guard('bindSession', async () => {
      const result = await this.#pool.query({
        ...this.#sql.bind,
        values: [id, encodeBinding(binding)],
      });
      return result.rowCount === 1;
    });
  }

  /**
   * See {@link SessionStore.replaceSession}: one statement, so the old row's binding goes to the
   * new row (when `next` has none) atomically with the swap.
   */
  replaceSession(oldId: string, next: SessionRecord): Promise<boolean> {
    return guard('replaceSession', async () => {
      const result = await this.#pool.query({
        ...this.#sql.replace,
        values: [oldId, ...sessionParams(next)],
      });
      return result.rowCount === 1;
    });
  }

  deleteSession(id: string): Promise<void> {
    return guard('deleteSession', async () => {
      await this.#pool.query({ ...this.#sql.delete, values: [id] });
    });
  }

  deleteUserSessions(userId: string): Promise<number> {
    return guard('deleteUserSessions', async () => {
      const result = await this.#pool.query({ ...this.#sql.deleteByUser, values: [userId] });
      return result.rowCount ?? 0;
    });
  }

  listUserSessions(userId: string): Promise<SessionRecord[]> {
    return guard('listUserSessions', async () => {
      const result = await this.#pool.query<SessionRow>({
        ...this.#sql.listByUser,
        values: [userId],
      });
      return result.rows.map(toSessionRecord);
    });
  }

  /** See {@link SessionStore.deleteExpiredSessions}. A negative or fractional `limit` rejects. */
  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredSessions', limit);
    if (refused !== null) return Promise.reject(refused);
    return guard('deleteExpiredSessions', async () => {
      const result = await this.#pool.query({ ...this.#sql.deleteExpired, values: [now, limit] });
      return result.rowCount ?? 0;
    });
  }

  incrementThrottle(key: string, now: Date, expiresAt: Date): Promise<ThrottleState> {
    return guard('incrementThrottle', async () => {
      const result = await this.#pool.query<ThrottleRow>({
        ...this.#throttles.increment,
        values: [key, now, expiresAt],
      });
      const row = result.rows[0];
      // An upsert always writes one row, and RETURNING reports it.
      if (row === undefined) throw new Error('latchkey: the throttle upsert returned no row');
      return toThrottleState(row);
    });
  }

  findThrottle(key: string, now: Date): Promise<ThrottleState | null> {
    return guard('findThrottle', async () => {
      const result = await this.#pool.query<ThrottleRow>({
        ...this.#throttles.find,
        values: [key, now],
      });
      const row = result.rows[0];
      return row === undefined ? null : toThrottleState(row);
    });
  }

  deleteThrottle(key: string): Promise<void> {
    return guard('deleteThrottle', async () => {
      await this.#pool.query({ ...this.#throttles.delete, values: [key] });
    });
  }

  /** See {@link SessionStore.deleteExpiredThrottles}. A negative or fractional `limit` rejects. */
  deleteExpiredThrottles(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredThrottles', limit);
    if (refused !== null) return Promise.reject(refused);
    return guard('deleteExpiredThrottles', async () => {
      const result = await this.#pool.query({
        ...this.#throttles.deleteExpired,
        values: [now, limit],
      });
      return result.rowCount ?? 0;
    });
  }

  async #findOne(query: SessionSql['findById'], value: string): Promise<SessionRecord | null> {
    const result = await this.#pool.query<SessionRow>({ ...query, values: [value] });
    const row = result.rows[0];
    return row === undefined ? null : toSessionRecord(row);
  }
}
