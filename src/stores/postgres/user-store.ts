import { AccountError } from '../../errors.js';
import { guard, isUniqueViolation, toStoreError } from './errors.js';
import { DEFAULT_SCHEMA, prepared, quoteSchema } from './schema.js';

import type { Pool } from 'pg';
import type { ExpectedUser, UserRecord, UserStore } from '../../accounts/types.js';
import type { PreparedQuery } from './schema.js';
import type { PostgresStoreOptions } from './session-store.js';

/**
 * User accounts in the PostgreSQL table `<schema>.users` (created by `migratePostgres`). The
 * pool is shared and not owned, as for `PostgresSessionStore`.
 *
 * A taken email rejects with `AccountError` code `EMAIL_TAKEN`; every other failure becomes
 * `StoreUnavailableError`. Deleting a user deletes their sessions with it (the
 * `sessions.user_id` foreign key is `ON DELETE CASCADE`).
 */
export class PostgresUserStore implements UserStore {
  readonly #pool: Pool;
  readonly #sql: Record<
    | 'insert'
    | 'findByEmail'
    | 'findById'
    | 'list'
    | 'updatePassword'
    | 'updateEmail'
    | 'setDisabled'
    | 'delete'
    | 'deleteIfHash'
    | 'deleteSessions',
    PreparedQuery
  >;

  /** Builds the statements; throws `ConfigError` for a bad schema name. Nothing is sent yet. */
  constructor(pool: Pool, options: PostgresStoreOptions = {}) {
    const schema = quoteSchema(options.schema ?? DEFAULT_SCHEMA);
    const table = `${schema}.users`;
    const select = `SELECT id, email, password_hash, created_at, disabled_at FROM ${table}`;
    this.#pool = pool;
    this.#sql = {
      insert: prepared(
        `INSERT INTO ${table} (id, email, password_hash, created_at, disabled_at)
         VALUES ($1, $2, $3, $4, $5)`,
      ),
      findByEmail: prepared(`${select} WHERE email = $1`),
      findById: prepared(`${select} WHERE id = $1`),
      list: prepared(`${select} ORDER BY created_at, id`),
      updatePassword: prepared(
        `UPDATE ${table} SET password_hash = $2
         WHERE id = $1 AND ($3::text IS NULL OR password_hash = $3)`,
      ),
      updateEmail: prepared(
        `UPDATE ${table} SET email = $2
         WHERE id = $1 AND ($3::text IS NULL OR (password_hash = $3 AND email = $4))`,
      ),
      setDisabled: prepared(`UPDATE ${table} SET disabled_at = $2 WHERE id = $1`),
      delete: prepared(`DELETE FROM ${table} WHERE id = $1`),
      deleteIfHash: prepared(`DELETE FROM ${table} WHERE id = $1 AND password_hash = $2`),
      deleteSessions: prepared(`DELETE FROM ${schema}.sessions WHERE user_id = $1`),
    };
  }

  async insertUser(record: UserRecord): Promise<void> {
    const values = [
      record.id,
      record.email,
      record.passwordHash,
      record.createdAt,
      record.disabledAt,
    ];
    try {
      await this.#pool.query({ ...this.#sql.insert, values });
    } catch (error) {
      // Only the email constraint means "taken": a clash on the primary key (a duplicate id)
      // is a caller's bug and stays a store failure.
      if (isUniqueViolation(error, 'users_email_unique')) {
        throw new AccountError('EMAIL_TAKEN', 'this email is already registered');
      }
      throw toStoreError('insertUser', error);
    }
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return guard('findUserByEmail', () => this.#findOne(this.#sql.findByEmail, email));
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return guard('findUserById', () => this.#findOne(this.#sql.findById, id));
  }

  listUsers(): Promise<UserRecord[]> {
    return guard('listUsers', async () => {
      const result = await this.#pool.query<UserRow>({ ...this.#sql.list, values: [] });
      return result.rows.map(toUserRecord);
    });
  }

  updatePasswordHash(
    id: string,
    passwordHash: string,
    expected?: Pick<ExpectedUser, 'passwordHash'>,
  ): Promise<boolean> {
    return guard('updatePasswordHash', async () => {
      const values = [id, passwordHash, expected?.passwordHash ?? null];
      const result = await this.#pool.query({ ...this.#sql.updatePassword, values });
      return (result.rowCount ?? 0) > 0;
    });
  }

  async updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean> {
    try {
      const values = [id, email, expected?.passwordHash ?? null, expected?.email ?? null];
      const result = await this.#pool.query({ ...this.#sql.updateEmail, values });
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique')) {
        throw new AccountError('EMAIL_TAKEN', 'this email is already registered');
      }
      throw toStoreError('updateUserEmail', error);
    }
  }

  setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    return guard('setUserDisabled', async () => {
      // rowCount counts the matched row even when the value is unchanged: false means absent.
      const result = await this.#pool.query({ ...this.#sql.setDisabled, values: [id, disabledAt] });
      return (result.rowCount ?? 0) > 0;
    });
  }

  deleteUser(id: string, expected?: Pick<ExpectedUser, 'passwordHash'>): Promise<boolean> {
    return guard('deleteUser', async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        // The sessions first, then the user: the order in which a session's rotation takes its
        // locks (the old session's row, then the user's row for the new one's foreign key).
        // Deleting the user first, and the sessions by its cascade, takes them the other way
        // round, and the two deadlock.
        await client.query({ ...this.#sql.deleteSessions, values: [id] });
        const result = await client.query(
          expected === undefined
            ? { ...this.#sql.delete, values: [id] }
            : { ...this.#sql.deleteIfHash, values: [id, expected.passwordHash] },
        );
        const deleted = (result.rowCount ?? 0) > 0;
        // Not deleted (none, or the password moved on): the sessions stay as they were.
        await client.query(deleted ? 'COMMIT' : 'ROLLBACK');
        client.release();
        return deleted;
      } catch (error) {
        // The connection may be broken or mid-transaction: destroy it rather than reuse it.
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(true);
        throw error;
      }
    });
  }

  async #findOne(query: PreparedQuery, value: string): Promise<UserRecord | null> {
    const result = await this.#pool.query<UserRow>({ ...query, values: [value] });
    const row = result.rows[0];
    return row === undefined ? null : toUserRecord(row);
  }
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: Date;
  disabled_at: Date | null;
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}
