import Database from 'better-sqlite3';

import { AccountError } from '../../errors.js';
import { readCacheOf } from './read-cache.js';
import { settle, toStoreError } from './settle.js';

import type { ExpectedUser, UserRecord, UserStore } from '../../accounts/types.js';
import type { ReadCache } from './read-cache.js';

/**
 * User accounts in the SQLite `users` table (schema version 2 or later). Statements are
 * prepared once, here; the database handle is shared and not owned: closing it is the opener's
 * job, after which every method rejects with `StoreUnavailableError`.
 *
 * A taken email rejects with `AccountError` code `EMAIL_TAKEN`; every other driver error
 * becomes `StoreUnavailableError`. Deleting a user deletes their sessions with it (the
 * `sessions.user_id` foreign key is `ON DELETE CASCADE`, and the opener turns `foreign_keys` on).
 */
export class SqliteUserStore implements UserStore {
  readonly #insert: Database.Statement<UserParams>;
  readonly #findByEmail: Database.Statement<[string], UserRow>;
  readonly #findById: Database.Statement<[string], UserRow>;
  readonly #list: Database.Statement<[], UserRow>;
  readonly #updatePasswordHash: Database.Statement<{
    id: string;
    hash: string;
    was: string | null;
  }>;
  readonly #updateEmail: Database.Statement<{
    id: string;
    email: string;
    was: string | null;
    hash: string | null;
  }>;
  readonly #setDisabled: Database.Statement<[number | null, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #deleteIfHash: Database.Statement<[string, string]>;
  // Rows by id, for the lookup every authenticated request makes (see ReadCache).
  readonly #cache: ReadCache<UserRow>;

  /** Prepares the statements; throws `StoreUnavailableError` when the schema is missing. */
  constructor(database: Database.Database) {
    try {
      this.#insert = database.prepare(
        `INSERT INTO users (id, email, password_hash, created_at, disabled_at)
         VALUES (@id, @email, @passwordHash, @createdAt, @disabledAt)`,
      );
      this.#findByEmail = database.prepare(`${SELECT_SQL} WHERE email = ?`);
      this.#findById = database.prepare(`${SELECT_SQL} WHERE id = ?`);
      this.#list = database.prepare(`${SELECT_SQL} ORDER BY created_at, id`);
      this.#updatePasswordHash = database.prepare(
        `UPDATE users SET password_hash = @hash
         WHERE id = @id AND (@was IS NULL OR password_hash = @was)`,
      );
      this.#updateEmail = database.prepare(
        `UPDATE users SET email = @email
         WHERE id = @id AND (@hash IS NULL OR (password_hash = @hash AND email = @was))`,
      );
      this.#setDisabled = database.prepare('UPDATE users SET disabled_at = ? WHERE id = ?');
      this.#delete = database.prepare('DELETE FROM users WHERE id = ?');
      this.#deleteIfHash = database.prepare('DELETE FROM users WHERE id = ? AND password_hash = ?');
      this.#cache = userCacheOf(database);
    } catch (error) {
      throw toStoreError('SqliteUserStore', error);
    }
  }

  insertUser(record: UserRecord): Promise<void> {
    try {
      this.#insert.run({
        id: record.id,
        email: record.email,
        passwordHash: record.passwordHash,
        createdAt: record.createdAt.getTime(),
        disabledAt: record.disabledAt?.getTime() ?? null,
      });
      return Promise.resolve();
    } catch (error) {
      if (isEmailClash(error)) return Promise.reject(emailTaken());
      return Promise.reject(toStoreError('insertUser', error));
    }
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return settle('findUserByEmail', () => toRecord(this.#findByEmail.get(email)));
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return settle('findUserById', () => {
      let row = this.#cache.get(id);
      if (row === undefined) {
        row = this.#findById.get(id);
        if (row !== undefined) this.#cache.offer(id, row);
      }
      return toRecord(row);
    });
  }

  listUsers(): Promise<UserRecord[]> {
    return settle('listUsers', () => this.#list.all().map(toUserRecord));
  }

  updatePasswordHash(
    id: string,
    passwordHash: string,
    expected?: Pick<ExpectedUser, 'passwordHash'>,
  ): Promise<boolean> {
    return settle('updatePasswordHash', () => {
      this.#cache.delete(id);
      const was = expected?.passwordHash ?? null;
      return this.#updatePasswordHash.run({ id, hash: passwordHash, was }).changes > 0;
    });
  }

  updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean> {
    this.#cache.delete(id);
    try {
      const was = expected?.email ?? null;
      const hash = expected?.passwordHash ?? null;
      const changes = this.#updateEmail.run({ id, email, was, hash }).changes;
      return Promise.resolve(changes > 0);
    } catch (error) {
      if (isEmailClash(error)) return Promise.reject(emailTaken());
      return Promise.reject(toStoreError('updateUserEmail', error));
    }
  }

  setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    return settle('setUserDisabled', () => {
      this.#cache.delete(id);
      // changes counts the matched row even when the value is unchanged, so false means absent.
      return this.#setDisabled.run(disabledAt?.getTime() ?? null, id).changes > 0;
    });
  }

  deleteUser(id: string, expected?: Pick<ExpectedUser, 'passwordHash'>): Promise<boolean> {
    // changes counts only the users row, never the sessions the cascade deletes with it.
    return settle('deleteUser', () => {
      // The cascade deletes the user's sessions too: the session store's cache must forget them.
      this.#cache.clearAll();
      const result =
        expected === undefined
          ? this.#delete.run(id)
          : this.#deleteIfHash.run(id, expected.passwordHash);
      return result.changes > 0;
    });
  }
}

/** A `users` row as the driver returns it. */
export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

interface UserParams {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  disabledAt: number | null;
}

const SELECT_SQL = 'SELECT id, email, password_hash, created_at, disabled_at FROM users';

/**
 * The read cache of `users` rows for a database handle, shared by every store on it: the session
 * store reads a session's user in the same statement as the session and hands the row over
 * through it.
 */
export function userCacheOf(database: Database.Database): ReadCache<UserRow> {
  return readCacheOf<UserRow>(database, 'users');
}

/**
 * Whether a write broke the email's UNIQUE constraint, the table's only one: a clash on the
 * primary key reports SQLITE_CONSTRAINT_PRIMARYKEY instead, and stays a store failure. Branching
 * on the driver's stable code, not its message.
 */
function isEmailClash(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function emailTaken(): AccountError {
  return new AccountError('EMAIL_TAKEN', 'this email is already registered');
}

function toRecord(row: UserRow | undefined): UserRecord | null {
  return row === undefined ? null : toUserRecord(row);
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
    disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at),
  };
}
