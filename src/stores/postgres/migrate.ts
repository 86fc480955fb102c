import { ConfigError, LatchkeyError } from '../../errors.js';
import { guard } from './errors.js';
import { postgresMigrations } from './migrations.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema.js';

import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { PostgresMigration } from './migrations.js';

/** What one run of {@link migratePostgres} did. */
export interface PostgresMigrationResult {
  /** The schema version before the run; 0 for a schema that did not exist or was empty. */
  fromVersion: number;
  /** The schema version after the run. */
  toVersion: number;
  /** The steps this run applied, oldest first; empty when the schema was already current. */
  applied: Array<Pick<PostgresMigration, 'version' | 'name'>>;
}

/** Options for {@link migratePostgres} and {@link getPostgresSchemaVersion}. */
export interface PostgresMigrateOptions {
  /** The schema holding Latchkey's tables, created if missing. Default `latchkey`. */
  schema?: string;
  /**
   * How long each step may run, in milliseconds, including the wait for another server that
   * is migrating the same schema. Set as the step's `statement_timeout`, and (plus one second)
   * as the client's read timeout. A whole number, 1 or more. Default 60,000 (one minute).
   */
  timeoutMs?: number;
  /**
   * Told once when a step has waited a second for another migrator of the schema (another server
   * starting, `latchkey migrate`) or for a lock on a table it changes (`pg_dump`'s, a transaction
   * left open; the step then starts over), before it waits on for the rest of `timeoutMs`. What
   * it throws fails the migration (as the cause of a `StoreUnavailableError`), for another
   * migrator once the wait is over.
   */
  onWait?: () => void;
}

/** How long a step waits for another migrator before telling `onWait`. Unit: milliseconds. */
const WAIT_NOTICE_MS = 1_000;

// SQLSTATEs: lock_not_available (lock_timeout ran out), query_canceled (statement_timeout did).
const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';

/** The default for {@link PostgresMigrateOptions.timeoutMs}: 60,000 ms. */
export const DEFAULT_MIGRATION_TIMEOUT_MS = 60_000;

/**
 * Brings a schema up to the latest version: creates the schema if needed, then applies every
 * pending step, each in its own transaction that first takes a transaction-level advisory lock
 * on the schema's name, so that servers starting at once apply each step once. Running it again
 * does nothing. A step that fails is rolled back and leaves the version where it was.
 *
 * Throws a `LatchkeyError` with code `SCHEMA_TOO_NEW` when the schema was migrated by a newer
 * release, `ConfigError` for a bad option, and `StoreUnavailableError` when the server fails.
 */
export function migratePostgres(
  pool: Pool,
  options: PostgresMigrateOptions = {},
): Promise<PostgresMigrationResult> {
  return applyPostgresMigrations(pool, postgresMigrations, options);
}

/**
 * The schema version recorded in the schema's `schema_migrations` table: the highest applied
 * step, or 0 when the schema or the table does not exist. Reads only.
 */
export function getPostgresSchemaVersion(
  pool: Pool,
  options: Pick<PostgresMigrateOptions, 'schema'> = {},
): Promise<number> {
  const schema = quoteSchema(options.schema ?? DEFAULT_SCHEMA);
  return guard('getPostgresSchemaVersion', async () => {
    const client = await pool.connect();
    try {
      const version = await readVersion(client, schema);
      client.release();
      return version;
    } catch (error) {
      client.release(true);
      throw error;
    }
  });
}

/**
 * {@link migratePostgres} over any list of steps, ascending by version. Not part of the public
 * entry point: tests use it to check what happens around a step that fails.
 */
export async function applyPostgresMigrations(
  pool: Pool,
  steps: readonly PostgresMigration[],
  options: PostgresMigrateOptions = {},
): Promise<PostgresMigrationResult> {
  const schemaName = options.schema ?? DEFAULT_SCHEMA;
  const schema = quoteSchema(schemaName);
  const timeoutMs = options.timeoutMs ?? DEFAULT_MIGRATION_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new ConfigError('timeoutMs', 'must be a whole number of milliseconds, 1 or more');
  }
  const knownVersion = steps.at(-1)?.version ?? 0;

  return guard('migratePostgres', async () => {
    const client = await pool.connect();
    const run = (text: string, values: unknown[] = []) =>
      client.query(withReadTimeout({ text, values }, timeoutMs + 1000));
    // Whether onWait was told, and what it threw: thrown by the migration once its wait is over.
    const wait: { told: boolean; failure: { error: unknown } | null } = {
      told: false,
      failure: null,
    };
    const tell = (): void => {
      wait.told = true;
      try {
        options.onWait?.();
      } catch (error) {
        wait.failure = { error };
      }
    };
    const applied: PostgresMigrationResult['applied'] = [];
    // The error of a migration that waited for `what` as long as it may.
    const gaveUp = (what: string, remedy: string, cause: unknown): Error =>
      new Error(
        `gave up waiting for ${what} (${String(Math.round(timeoutMs / 1000))} s), with ` +
          `${String(applied.length)} step${applied.length === 1 ? '' : 's'} applied before: ` +
          `${remedy}, then migrate again`,
        { cause },
      );
    try {
      let fromVersion: number | undefined;
      // One transaction per step; with no step at all, one transaction still checks the version.
      const list: readonly (PostgresMigration | null)[] = steps.length === 0 ? [null] : steps;
      // Whether the step that runs next is one that waited a second for a table's lock.
      let again = false;
      for (let index = 0; index < list.length; index += 1) {
        const step = list[index] ?? null;
        const afterTableWait = again;
        again = false;
        await run('BEGIN');
        await run(`SET LOCAL statement_timeout = ${String(timeoutMs)}`);
        // Serializes every migrator of this schema until COMMIT; released by the transaction.
        const notice =
          options.onWait === undefined || wait.told ? null : setTimeout(tell, WAIT_NOTICE_MS);
        try {
          await run('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
            `latchkey migrate ${schemaName}`,
          ]);
        } catch (error) {
          if (!wait.told) throw error;
          throw gaveUp(
            `another migrator of the schema "${schemaName}"`,
            'let it finish or stop it',
            error,
          );
        } finally {
          if (notice !== null) clearTimeout(notice);
        }
        if (wait.failure !== null) throw wait.failure.error;
        await createMigrationsTable(client, schemaName, schema, run);
        const version = await readVersion(client, schema);
        fromVersion ??= version;
        refuseNewerSchema(version, knownVersion);
        if (step !== null && version < step.version) {
          await run(`SET LOCAL search_path TO ${schema}`);
          // A lock on a table the step changes (pg_dump's, a transaction left open) is waited
          // for a second, then the step starts over once onWait has been told.
          const heldUp = options.onWait !== undefined && !wait.told;
          if (heldUp) await run(`SET LOCAL lock_timeout = ${String(WAIT_NOTICE_MS)}`);
          try {
            await run(step.up);
          } catch (error) {
            const code = (error as { code?: unknown }).code;
            if (afterTableWait && code === QUERY_CANCELED) {
              throw gaveUp(
                `a lock on the tables of the schema "${schemaName}" ` +
                  `in step ${String(step.version)}`,
                'end the transaction that holds it (pg_dump, a session left open)',
                error,
              );
            }
            if (!heldUp || code !== LOCK_NOT_AVAILABLE) throw error;
            await run('ROLLBACK');
            // Told here, not from a timer: what it throws fails the migration at once.
            wait.told = true;
            options.onWait?.();
            // The same step again, from its BEGIN, now waiting as long as it takes.
            again = true;
            index -= 1;
            continue;
          }
          await run(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [
            step.version,
            step.name,
          ]);
          applied.push({ version: step.version, name: step.name });
        }
        await run('COMMIT');
      }

      const toVersion = await readVersion(client, schema);
      client.release();
      return { fromVersion: fromVersion ?? 0, toVersion, applied };
    } catch (error) {
      // The connection may be broken or mid-transaction: destroy it rather than reuse it.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw error;
    }
  });
}

async function createMigrationsTable(
  client: PoolClient,
  schemaName: string,
  schema: string,
  run: (text: string, values?: unknown[]) => Promise<unknown>,
): Promise<void> {
  // CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database; checking
  // first lets a role that may only use an existing schema run the migrations.
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
  if (found.rowCount === 0) await run(`CREATE SCHEMA ${schema}`);
  await run(`
    CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
}

async function readVersion(client: PoolClient, schema: string): Promise<number> {
  const table = await client.query<{ found: string | null }>(
    'SELECT to_regclass($1)::text AS found',
    [`${schema}.schema_migrations`],
  );
  if ((table.rows[0]?.found ?? null) === null) return 0;
  const row = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${schema}.schema_migrations`,
  );
  return row.rows[0]?.version ?? 0;
}

function refuseNewerSchema(version: number, knownVersion: number): void {
  // Old code on a newer schema could corrupt data it does not understand; refusing is the only
  // safe answer, and the fix is to run the newer release (or restore a backup).
  if (version > knownVersion) {
    throw new LatchkeyError(
      'SCHEMA_TOO_NEW',
      `the PostgreSQL schema has version ${String(version)}, but this release of latchkey ` +
        `knows versions up to ${String(knownVersion)}; upgrade latchkey, or use another schema`,
    );
  }
}

/**
 * A query with its own client-side read timeout. pg honours `query_timeout` per query; its
 * type declarations do not list it, hence the intersection.
 */
function withReadTimeout(
  query: QueryConfig,
  timeoutMs: number,
): QueryConfig & { query_timeout: number } {
  return { ...query, query_timeout: timeoutMs };
}
