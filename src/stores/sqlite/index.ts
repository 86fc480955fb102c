/**
 * The default embedded store: sessions and users in one SQLite file, through better-sqlite3.
 * Imported as `latchkey/stores/sqlite`, so that only users of this store load the driver.
 *
 * ```ts
 * const { sessions, users, close } = openSqliteStores('data/latchkey.db');
 * ```
 *
 * @module
 */
export { getSchemaVersion, migrateDatabase } from './migrate.js';
export { latestSchemaVersion, migrations } from './migrations.js';
export { DEFAULT_BUSY_TIMEOUT_MS, openSqliteDatabase, openSqliteStores } from './open.js';
export { SqliteSessionStore } from './session-store.js';
export { SqliteUserStore } from './user-store.js';

export type { MigrationResult, SqliteMigrateOptions } from './migrate.js';
export type { Migration } from './migrations.js';
export type { SqliteOpenOptions, SqliteStores } from './open.js';
