/**
 * Sessions, users and throttle counters in PostgreSQL, through `pg` (an optional peer
 * dependency, imported only here). Imported as `latchkey/stores/postgres`.
 *
 * ```ts
 * const { sessions, users, close } = await openPostgresStores('postgres://app@db/app');
 * ```
 *
 * Tables live in one schema (`latchkey` by default), created and upgraded by versioned
 * migrations that several servers may run at once. Pool defaults bound every call to about two
 * seconds when the server is down; see {@link DEFAULT_POSTGRES_POOL_CONFIG}.
 *
 * @module
 */
export {
  DEFAULT_MIGRATION_TIMEOUT_MS,
  getPostgresSchemaVersion,
  migratePostgres,
} from './migrate.js';
export { latestPostgresSchemaVersion, postgresMigrations } from './migrations.js';
export { DEFAULT_POSTGRES_POOL_CONFIG, openPostgresStores } from './open.js';
export { DEFAULT_SCHEMA } from './schema.js';
export { PostgresSessionStore } from './session-store.js';
export { PostgresUserStore } from './user-store.js';

export type { PostgresMigrateOptions, PostgresMigrationResult } from './migrate.js';
export type { PostgresMigration } from './migrations.js';
export type { PostgresOpenOptions, PostgresStores } from './open.js';
export type { PostgresStoreOptions } from './session-store.js';
