import Database from 'better-sqlite3';

import { AccountError } from '../../errors.js';
import { settle, toStoreError } from './settle.js';

import type { UserRecord, UserStore } from '../../accounts/types.js';

/**
 * User accounts in the SQLite `users` table (schema version 1 or later). Statements are
 * prepared once, here; the database handle is shared and not owned: closing it is the opener's
 * job, after which every method rejects with `StoreUnavailableError`.
 *
 * A taken email rejects with `AccountError` code `EMAIL_TAKEN`; every other driver error
 * becomes `StoreUnavailableError`.
 */
export class SqliteUserStore implements UserStore {
  readonly #insert: Database.Statement<UserParams>;
  readonly #findByEmail: Database.Statement<[string], UserRow>;
  readonly #findById: Database.Statement<[string], UserRow>;
  readonly #list: Database.Statement<[], UserRow>;
  readonly #updatePasswordHash: Database.Statement<[string, string]>;

  /** Prepares the statements; throws `StoreUnavailableError` when the schema is missing. */
  constructor(database: Database.Database) {
    try {
      this.#insert = database.prepare(
        `INSERT INTO users (id, email, password_hash, created_at)
         VALUES (@id, @email, @passwordHash, @createdAt)`,
      );
      this.#findByEmail = database.prepare(`${SELECT_SQL} WHERE email = ?`);
      this.#findById = database.prepare(`${SELECT_SQL} WHERE id = ?`);
      this.#list = database.prepare(`${SELECT_SQL} ORDER BY created_at, id`);
      this.#updatePasswordHash = database.prepare(
        'UPDATE users SET password_hash = ? WHERE id = ?',
      );
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
      });
      return Promise.resolve();
    } catch (error) {
      // email is the table's only UNIQUE constraint: a clash on the primary key reports
      // SQLITE_CONSTRAINT_PRIMARYKEY instead, and stays a store failure. Branching on the
      // driver's stable code, not its message.
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        return Promise.reject(new AccountError('EMAIL_TAKEN', 'this email is already registered'));
      }
      return Promise.reject(toStoreError('insertUser', error));
    }
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return settle('findUserByEmail', () => toRecord(this.#findByEmail.get(email)));
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return settle('findUserById', () => toRecord(this.#findById.get(id)));
  }

  listUsers(): Promise<UserRecord[]> {
    return settle('listUsers', () => this.#list.all().map(toUserRecord));
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    return settle('updatePasswordHash', () => {
      this.#updatePasswordHash.run(passwordHash, id);
    });
  }
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

interface UserParams {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

const SELECT_SQL = 'SELECT id, email, password_hash, created_at FROM users';

function toRecord(row: UserRow | undefined): UserRecord | null {
  return row === undefined ? null : toUserRecord(row);
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
  };
}
