import { LatchkeyError } from '../../errors.js';
import { migrations } from './migrations.js';
import { SESSION_KEY_FUNCTION, sessionKeyOf } from './session-key.js';
import { toStoreError } from './settle.js';

import type Database from 'better-sqlite3';
import type { Migration } from './migrations.js';

/** What one run of {@link migrateDatabase} did. */
export interface MigrationResult {
  /** The schema version before the run; 0 for a new, empty database. */
  fromVersion: number;
  /** The schema version after the run. */
  toVersion: number;
  /** The steps this run applied, oldest first; empty when the schema was already current. */
  applied: Array<Pick<Migration, 'version' | 'name'>>;
}

/**
 * How long a migration waits at least for another connection's write lock, another process's
 * migration included, before it fails: 2 minutes (a handle's own busy timeout, if longer). A step
 * can take a while (version 4 rebuilds the tables: 15 s for a million sessions on a 2-CPU machine),
 * and a server started meanwhile should wait for it, not exit. The handle's own busy timeout comes
 * back afterwards. Unit: milliseconds.
 */
export const MIGRATION_BUSY_TIMEOUT_MS = 120_000;

/**
 * How long a migration waits for a lock before telling its `onWait`, if it has one. Unit:
 * milliseconds. 1,000.
 */
export const MIGRATION_WAIT_NOTICE_MS = 1_000;

/** Options for {@link migrateDatabase}. */
export interface SqliteMigrateOptions {
  /**
   * Told once when a step has waited {@link MIGRATION_WAIT_NOTICE_MS} for another connection's
   * write lock (another process migrating the file, a server writing to it, an open `sqlite3`
   * shell in a transaction), before the migration waits on for the rest of
   * {@link MIGRATION_BUSY_TIMEOUT_MS}. The driver is synchronous: without it, a migration that
   * waits looks like a process that hangs. What it throws fails the migration (as the cause of a
   * `StoreUnavailableError`), before the step it waited for began.
   */
  onWait?: () => void;
}

/**
 * Brings a database up to the latest schema: applies every pending step of `migrations`, each
 * in its own `BEGIN IMMEDIATE` transaction, and records it in `schema_migrations`. Running it
 * again does nothing, and two processes running it at once apply each step once: the second
 * waits for the first (up to {@link MIGRATION_BUSY_TIMEOUT_MS}), then finds nothing to do.
 *
 * Throws a `LatchkeyError` with code `SCHEMA_TOO_NEW` when the database was migrated by a newer
 * release than this one, and a `StoreUnavailableError` when the driver fails; a step that fails
 * is rolled back and leaves the version where it was.
 */
export function migrateDatabase(
  database: Database.Database,
  options: SqliteMigrateOptions = {},
): MigrationResult {
  return applyMigrations(database, migrations, options);
}

/**
 * The schema version recorded in `schema_migrations`: the highest applied step, or 0 when the
 * database has never been migrated. Reads only; throws `StoreUnavailableError` if the driver
 * fails.
 */
export function getSchemaVersion(database: Database.Database): number {
  try {
    return readVersion(database);
  } catch (error) {
    throw toStoreError('getSchemaVersion', error);
  }
}

/**
 * {@link migrateDatabase} over any list of steps, ascending by version. Not part of the public
 * entry point: tests use it to check what happens around a step that fails.
 */
export function applyMigrations(
  database: Database.Database,
  steps: readonly Migration[],
  options: SqliteMigrateOptions = {},
): MigrationResult {
  const knownVersion = steps.at(-1)?.version ?? 0;
  const { onWait } = options;
  // The handle's own busy timeout, while a longer one is set for the migration.
  let ownBusyTimeout: number | null = null;
  let wait = MIGRATION_BUSY_TIMEOUT_MS;
  // Whether onWait was told, and the schema version reached so far.
  const progress = { told: false, version: 0 };
  // Runs `write`, which takes the write lock: with an onWait, first with a short wait for it,
  // then, once told, again with the long one (a step that could not take it never began).
  const underLock = <T>(write: () => T): T => {
    try {
      return write();
    } catch (error) {
      if (progress.told || onWait === undefined || !isBusy(error)) throw error;
      progress.told = true;
      onWait();
      database.pragma(`busy_timeout = ${String(wait)}`);
      return write();
    }
  };
  try {
    database.function(SESSION_KEY_FUNCTION, { deterministic: true, safeIntegers: true }, (hash) =>
      sessionKeyOf(String(hash)),
    );
    ownBusyTimeout = Number(database.pragma('busy_timeout', { simple: true }));
    wait = Math.max(ownBusyTimeout, MIGRATION_BUSY_TIMEOUT_MS);
    // With an onWait, a first short wait, then the rest once it has been told.
    const first = onWait === undefined ? wait : Math.min(wait, MIGRATION_WAIT_NOTICE_MS);
    database.pragma(`busy_timeout = ${String(first)}`);
    // Takes the write lock only when the table is missing (a new file).
    underLock(() => database.exec(CREATE_MIGRATIONS_TABLE));
    const fromVersion = readVersion(database);
    progress.version = fromVersion;
    refuseNewerSchema(fromVersion, knownVersion);

    const applyStep = database.transaction((step: Migration): boolean => {
      // Another process may have applied this step since the version was read above.
      if (readVersion(database) >= step.version) return false;
      database.exec(step.up);
      database
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(step.version, step.name, Date.now());
      return true;
    });
    const applied: MigrationResult['applied'] = [];
    for (const step of steps) {
      if (step.version > fromVersion && underLock(() => applyStep.immediate(step))) {
        applied.push({ version: step.version, name: step.name });
        progress.version = step.version;
      }
    }

    const toVersion = readVersion(database);
    refuseNewerSchema(toVersion, knownVersion);
    return { fromVersion, toVersion, applied };
  } catch (error) {
    if (progress.told && isBusy(error)) {
      throw toStoreError(
        'migrateDatabase',
        new Error(
          `gave up after waiting ${String(Math.round(wait / 1000))} s for another connection's ` +
            `write lock, at schema version ${String(progress.version)}: stop the process that ` +
            'holds it, then migrate again',
          { cause: error },
        ),
      );
    }
    throw toStoreError('migrateDatabase', error);
  } finally {
    if (ownBusyTimeout !== null && database.open) {
      database.pragma(`busy_timeout = ${String(ownBusyTimeout)}`);
    }
  }
}

/** Whether the driver failed for another connection's lock (SQLITE_BUSY and its variants). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT
`;

function readVersion(database: Database.Database): number {
  const table = database
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = database
    .prepare<[], { version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    )
    .get();
  return row?.version ?? 0;
}

function refuseNewerSchema(version: number, knownVersion: number): void {
  // Running old code on a newer schema could corrupt data it does not understand; refusing is
  // the only safe answer, and the fix is to run the newer release (or restore a backup).
  if (version > knownVersion) {
    throw new LatchkeyError(
      'SCHEMA_TOO_NEW',
      `the SQLite database has schema version ${version}, but this release of latchkey knows ` +
        `versions up to ${knownVersion}; upgrade latchkey, or open a database it created`,
    );
  }
}
