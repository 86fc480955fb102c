import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

import { ConfigError } from '../../errors.js';
import { CheckpointedSessionStore } from './checkpointed-session-store.js';
import { startWalCheckpointer } from './checkpointer.js';
import { migrateDatabase } from './migrate.js';
import { SqliteSessionStore } from './session-store.js';
import { settle, toStoreError } from './settle.js';
import { SqliteUserStore } from './user-store.js';

import type { WalCheckpointer } from './checkpointer.js';

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
  /**
   * Told once when a pending migration has waited a second for another connection's write lock,
   * before it waits on (see `SqliteMigrateOptions.onWait`): a server can say why it has not
   * started yet.
   */
  onMigrationWait?: () => void;
  /**
   * {@link openSqliteStores} only: whether the WAL is checkpointed (copied back into the database
   * file) by a worker thread instead of by SQLite's automatic checkpoint. Default true.
   *
   * SQLite checkpoints automatically inside the commit that takes the WAL past 1,000 pages, on
   * the thread that commits: with better-sqlite3 that is the event loop, and a checkpoint can
   * take tens of milliseconds, during which no request is answered. With this option on, the
   * handle's `wal_autocheckpoint` is 0 and a worker thread (unref'd, stopped by `close()`) runs
   * a PASSIVE checkpoint through a connection of its own every 200 ms (every 5 ms while the WAL
   * moves), and the session store's sweep runs there too, each batch followed by a checkpoint,
   * so that the event loop never runs a batch and the WAL stays small through a long sweep.
   * PASSIVE checkpoints never hold a writer up, and the WAL file starts over only once one has
   * reached its end: writes that hardly pause (on this project's test machine, a 20 kB commit
   * every millisecond or two) can outrun the worker, and the WAL then grows until they pause;
   * `journal_size_limit` (64 MiB on every handle) shrinks the file afterwards. A failed
   * checkpoint is reported once as a process warning (`LATCHKEY_SQLITE_CHECKPOINT`); if the
   * worker cannot run at all, automatic checkpoints come back on. Ignored for `:memory:`,
   * which has no WAL.
   */
  backgroundCheckpoints?: boolean;
}

/** The default for {@link SqliteOpenOptions.busyTimeoutMs}: 250 ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 250;

/** SQLite's `journal_size_limit` on every handle: 64 MiB. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// SQLite's page cache per connection: 4 MiB (the driver's default is 16). The rows every
// request asks for are kept in the stores' read caches, so this holds B-tree interior pages:
// with a million sessions, those a lookup descends through (sessions by token hash, users by
// id) are 590 pages, 2.3 MiB. In bench/scale.ts, a million sessions were served as fast with
// 4 MiB as with 16, and the server's resident set was 9 MB smaller.
const PAGE_CACHE_KIB = 4096;
/** SQLite's default `wal_autocheckpoint`, in pages, restored if the checkpointer cannot run. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

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
 * Throws `ConfigError` for a bad option or a folder that does not exist, a `LatchkeyError` with
 * code `SCHEMA_TOO_NEW` for a database migrated by a newer release, and `StoreUnavailableError`
 * when the file cannot be opened (not a database, locked, not permitted). The caller closes the
 * returned handle.
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

  // A file name (SQLite's URI forms aside) in a folder that is not there: a mistake in the path,
  // not a store that failed, so it is told as one.
  const folder = dirname(resolve(path));
  if (path !== ':memory:' && path !== '' && !path.startsWith('file:') && !existsSync(folder)) {
    throw new ConfigError(
      'path',
      `the folder ${folder} does not exist; create it first (with permissions for this ` +
        'process only), or give a database file in a folder that exists',
    );
  }

  let database: Database.Database | undefined;
  try {
    // The driver's `timeout` option is SQLite's busy_timeout; it applies from the first pragma.
    database = new Database(path, { timeout: busyTimeoutMs });
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // After a checkpoint lets the WAL start over, the writer shrinks the file to this size.
    database.pragma(`journal_size_limit = ${String(JOURNAL_SIZE_LIMIT_BYTES)}`);
    // Negative: KiB rather than pages (SQLite's convention).
    database.pragma(`cache_size = -${String(PAGE_CACHE_KIB)}`);
    if (options.migrate !== false) {
      migrateDatabase(
        database,
        options.onMigrationWait === undefined ? {} : { onWait: options.onMigrationWait },
      );
    }
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
    const checkpointer =
      options.backgroundCheckpoints !== false && isWal(database)
        ? startBackgroundCheckpoints(database)
        : null;
    return {
      database,
      sessions:
        checkpointer === null
          ? new SqliteSessionStore(database)
          : new CheckpointedSessionStore(database, checkpointer),
      users: new SqliteUserStore(database),
      close: async () => {
        // The worker's connection first: the last connection to close checkpoints the WAL into
        // the file and removes it, leaving the database whole in its one file.
        await checkpointer?.stop();
        return settle('close', () => {
          database.close();
        });
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}

/**
 * Turns `database`'s automatic checkpoints off and starts the worker that checkpoints instead.
 * If the worker cannot run, they come back on: stalls then, rather than a WAL without bound.
 *
 * There is deliberately no fallback on the WAL's size: turning SQLite's own checkpoint back on
 * when the WAL is already large makes the next commit copy all of it, on the event loop (a
 * 2-second stall in bench/sweep.ts after a million sessions were written by another process).
 */
function startBackgroundCheckpoints(database: Database.Database): WalCheckpointer {
  database.pragma('wal_autocheckpoint = 0');
  return startWalCheckpointer(database.name, {
    journalSizeLimitBytes: JOURNAL_SIZE_LIMIT_BYTES,
    onExit: () => {
      if (database.open) {
        database.pragma(`wal_autocheckpoint = ${String(SQLITE_AUTOCHECKPOINT_PAGES)}`);
      }
    },
  });
}

/** Whether `database` is a file in WAL mode (not `:memory:`, nor a file WAL was refused for). */
function isWal(database: Database.Database): boolean {
  if (database.memory || database.name === '') return false;
  return String(database.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
}
