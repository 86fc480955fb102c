import Database from 'better-sqlite3';

import { ConfigError } from '../../errors.js';
import { migrateDatabase } from './migrate.js';
import { SqliteSessionStore } from './session-store.js';
import { settle, toStoreError } from './settle.js';
import { SqliteUserStore } from './user-store.js';

/** Options for {@link openSqliteDatabase} and {@link openSqliteStores}. */
export interface SqliteOpenOptions {
  /**
   * How long a statement waits, in milliseconds, for another connection to release its write
   * lock before failing with SQLITE_BUSY (which the stores report as `StoreUnavailableError`).
   * SQLite's `busy_timeout`. A whole number, 0 or more. Default 250.
   *
   * better-sqlite3 is synchronous: while a statement waits for a lock, the whole process waits,
   * every other request included. So the wait is kept short: long enough for another
   * connection's short write transaction (a CLI command, another server on the same file) to
   * finish, short enough that a stuck lock holder (a backup, an open `sqlite3` shell) costs
   * each request at most a quarter of a second before it gets a 503.
   */
  busyTimeoutMs?: number;
  /**
   * Whether to apply pending schema migrations while opening. Default true. With false the file
   * is opened as it is, for tools that report or apply migrations themselves (`latchkey
   * migrate`); stores cannot be built on a database that lacks the schema.
   */
  migrate?: boolean;
}

/** The default for {@link SqliteOpenOptions.busyTimeoutMs}: 250 ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 250;

/** Both stores on one SQLite file, and the handle they share. */
export interface SqliteStores {
  /** The shared better-sqlite3 handle (for backups and `latchkey migrate`). */
  database: Database.Database;
  sessions: SqliteSessionStore;
  users: SqliteUserStore;
  /** Closes the shared handle; the stores then fail with `StoreUnavailableError`. */
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the SQLite file at `path` and prepares it for the stores: WAL
 * journal (readers never block the writer), `synchronous=NORMAL` (durable across a process
 * crash; a power loss may lose the last commits, never corrupt the file), `foreign_keys=ON`,
 * the busy timeout, then pending migrations (see `migrateDatabase`).
 *
 * The folder that holds the file must exist: creating it (with the permissions it should have)
 * is the caller's job. `:memory:` opens a private in-memory database, which has no WAL.
 *
 * Throws `ConfigError` for a bad option, a `LatchkeyError` with code `SCHEMA_TOO_NEW` for a
 * database migrated by a newer release, and `StoreUnavailableError` when the file cannot be
 * opened (missing folder, not a database, locked). The caller closes the returned handle.
 */
export function openSqliteDatabase(
  path: string,
  options: SqliteOpenOptions = {},
): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConfigError(
      'busyTimeoutMs',
      'must be a whole number of milliseconds, 0 or more; leave it out for the default (250)',
    );
  }

  let database: Database.Database | undefined;
  try {
    // The driver's `timeout` option is SQLite's busy_timeout; it applies from the first pragma.
    database = new Database(path, { timeout: busyTimeoutMs });
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    if (options.migrate !== false) migrateDatabase(database);
    return database;
  } catch (error) {
    database?.close();
    throw toStoreError('openSqliteDatabase', error);
  }
}

/**
 * Opens the SQLite file at `path` (see {@link openSqliteDatabase}, whose options and errors
 * apply) and builds the session and user stores on the one handle.
 */
export function openSqliteStores(path: string, options: SqliteOpenOptions = {}): SqliteStores {
  const database = openSqliteDatabase(path, options);
  try {
    return {
      database,
      sessions: new SqliteSessionStore(database),
      users: new SqliteUserStore(database),
      close: () =>
        settle('close', () => {
          database.close();
        }),
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
