import { Client, Pool } from 'pg';

import { registerStoreSecrets, storeUrlSecrets } from '../../untrusted-text.js';
import { guard } from './errors.js';
import { migratePostgres } from './migrate.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema.js';
import { PostgresSessionStore } from './session-store.js';
import { PostgresUserStore } from './user-store.js';

import type { PoolConfig } from 'pg';
import type { PostgresMigrateOptions, PostgresMigrationResult } from './migrate.js';
import type { PostgresStoreOptions } from './session-store.js';

/**
 * The pool settings {@link openPostgresStores} starts from; anything given in the connection
 * URL or `PoolConfig` wins. Chosen so that a server that is down, unreachable or stuck turns
 * into `StoreUnavailableError` (HTTP 503) within about two seconds, instead of requests
 * queueing behind it for as long as the operating system keeps a TCP connection trying.
 */
export const DEFAULT_POSTGRES_POOL_CONFIG: Readonly<PoolConfig> = Object.freeze({
  /** At most 10 connections per process (pg's own default). */
  max: 10,
  /** Waiting for a free connection, or for a new one to open, fails after 2 s (pg: forever). */
  connectionTimeoutMillis: 2_000,
  /** A connection unused for 30 s is closed (pg: 10 s). */
  idleTimeoutMillis: 30_000,
  /** The server cancels any statement running longer than 2 s, freeing its locks. */
  statement_timeout: 2_000,
  /**
   * The client gives up on a reply after 2.5 s: longer than `statement_timeout`, so that a slow
   * statement is normally cancelled by the server (and the connection kept), while a server
   * that answers nothing at all still fails the call.
   */
  query_timeout: 2_500,
  /** A transaction left open by a crashed client is ended after 10 s, releasing its locks. */
  idle_in_transaction_session_timeout: 10_000,
  /** TCP keep-alive, so that a connection to a vanished host is noticed and dropped. */
  keepAlive: true,
  /** Shown in `pg_stat_activity`. */
  application_name: 'latchkey',
});

/** Options for {@link openPostgresStores}. */
export interface PostgresOpenOptions extends PostgresStoreOptions {
  /**
   * Whether to apply pending schema migrations while opening. Default true. With false the
   * schema is used as it is, for deployments that run `migratePostgres` themselves.
   */
  migrate?: boolean;
  /** How long each migration step may take, in milliseconds. Default 60,000. */
  migrationTimeoutMs?: number;
  /**
   * Called with errors the pool reports outside any call (an idle connection dropped by the
   * server, for instance). Such errors need no action: the pool replaces the connection, and
   * calls made while the server is down reject by themselves. Default: ignored.
   */
  onPoolError?: (error: Error) => void;
}

/** Both stores on one pool, and the pool they share. */
export interface PostgresStores {
  /** The shared pool (for health checks and `latchkey migrate`). */
  pool: Pool;
  sessions: PostgresSessionStore;
  users: PostgresUserStore;
  /** Applies pending migrations to the stores' schema (see `migratePostgres`). */
  migrate(options?: Pick<PostgresMigrateOptions, 'onWait'>): Promise<PostgresMigrationResult>;
  /**
   * Ends the pool; the stores then fail with `StoreUnavailableError`. Safe to call twice.
   * Resolves once the pool has ended, or after a second at most: connections still busy then
   * are closed when they are done.
   */
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL with a `postgres://` URL or a `pg` `PoolConfig` (over the defaults in
 * {@link DEFAULT_POSTGRES_POOL_CONFIG}), migrates the schema (unless told not to) and builds
 * the session and user stores on one pool.
 *
 * Throws `ConfigError` for a bad option, a `LatchkeyError` with code `SCHEMA_TOO_NEW` for a
 * schema migrated by a newer release, and `StoreUnavailableError` when the server cannot be
 * reached or refuses the migration; the pool is then ended.
 */
export async function openPostgresStores(
  connection: string | PoolConfig,
  options: PostgresOpenOptions = {},
): Promise<PostgresStores> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quoteSchema(schema);
  const config = typeof connection === 'string' ? { connectionString: connection } : connection;
  // A server's error may quote the password it was sent: it is masked wherever Latchkey describes
  // an error from now on. The password pg will send is read from a client it builds (and never
  // connects), so that it is found wherever pg finds it: the URL, as pg decodes it, the options,
  // PGPASSWORD, pg.defaults. One a function returns, or one from ~/.pgpass, is not known here.
  registerStoreSecrets(postgresSecrets(config));
  const pool = new Pool({ ...DEFAULT_POSTGRES_POOL_CONFIG, ...config });
  // Without a listener, an idle connection's error would crash the process.
  pool.on('error', options.onPoolError ?? (() => undefined));

  let ended = false;
  const close = (): Promise<void> =>
    guard('close', async () => {
      if (ended) return;
      ended = true;
      // pg never settles pool.end() after some failures to connect (a port in the connection
      // string that is not a number): closing must not hang the caller, nor leave a CLI
      // command's process with nothing pending, which Node ends (exit code 13) in silence.
      await settledWithin(pool.end(), POOL_END_WAIT_MS);
    });
  const migrate = (more: Pick<PostgresMigrateOptions, 'onWait'> = {}) =>
    migratePostgres(pool, {
      schema,
      ...(options.migrationTimeoutMs === undefined
        ? {}
        : { timeoutMs: options.migrationTimeoutMs }),
      ...(more.onWait === undefined ? {} : { onWait: more.onWait }),
    });

  try {
    if (options.migrate !== false) await migrate();
    return {
      pool,
      sessions: new PostgresSessionStore(pool, { schema }),
      users: new PostgresUserStore(pool, { schema }),
      migrate,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** How long `close()` waits for the pool to end, at most. Unit: ms. */
const POOL_END_WAIT_MS = 1_000;

/** Resolves once `promise` settles, or after `ms` milliseconds, whichever comes first. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/**
 * The forms of the password pg will send for `config`: the URL's, the option's, and pg's own
 * idea of it, from a client built and never connected (built without `stream`: a factory there
 * may open a connection). Nothing it cannot read: how opening fails stays the pool's to say.
 */
function postgresSecrets(config: PoolConfig): unknown[] {
  const found: unknown[] = [];
  try {
    found.push(...storeUrlSecrets(config.connectionString ?? ''), config.password);
    const withoutStream = { ...config };
    delete withoutStream.stream;
    found.push(new Client(withoutStream).password);
  } catch {
    // What was found so far.
  }
  return found;
}
