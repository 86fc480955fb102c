import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

import { ConfigError, StoreUnavailableError } from '../errors.js';
import { getSchemaVersion, latestSchemaVersion, openSqliteStores } from '../stores/sqlite/index.js';
import { restrictToOwner } from './files.js';

import type { UserStore } from '../accounts/types.js';
import type { SessionStore } from '../session/types.js';

/** Where the server keeps users, sessions and throttle counters. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string | undefined }
  | { kind: 'redis'; url: string; keyPrefix: string | undefined };

/** The opened stores. */
export interface OpenedStores {
  sessions: SessionStore;
  users: UserStore;
  /** Where they are, fit for logs: any password in a URL is masked. */
  description: string;
  close(): Promise<void>;
}

/**
 * Reads a store location: `sqlite:PATH` (relative paths against the working directory),
 * `postgres://...` or `postgresql://...` (optional `?schema=NAME`, default `latchkey`), or
 * `redis://...` / `rediss://...` (optional `?prefix=TEXT`, default `latchkey`). Throws
 * `ConfigError` naming `option` for anything else.
 */
export function parseStoreLocation(value: string, option: string): StoreLocation {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '')
      throw new ConfigError(option, 'give the database file, as in sqlite:./data/latchkey.db');
    return { kind: 'sqlite', path: resolve(path) };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(option, 'use sqlite:PATH, postgres://... or redis://...');
  }
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') {
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), schema };
  }
  if (url.protocol === 'redis:' || url.protocol === 'rediss:') {
    const keyPrefix = url.searchParams.get('prefix') ?? undefined;
    url.searchParams.delete('prefix');
    return { kind: 'redis', url: url.toString(), keyPrefix };
  }
  throw new ConfigError(
    option,
    `"${url.protocol}" is not a store; use sqlite:, postgres:// or redis://`,
  );
}

/** Options for {@link openStores}. */
export interface OpenStoresOptions {
  /**
   * Keep what is read from Redis in memory under Redis's client-side caching (see
   * `openRedisStores`): for a server; a one-off command reads too little to gain. Default true.
   */
  clientCache?: boolean;
  /** Told of Redis connection errors outside any call (see `openRedisStores`). */
  onClientError?: (error: Error) => void;
  /**
   * Open a PostgreSQL schema only if it already holds Latchkey's tables, rather than create them:
   * for a command that reads or changes what is there, where a mistyped `?schema=` must be an
   * error, not an empty store left behind. Default false.
   */
  existingOnly?: boolean;
  /**
   * Bring a store that an older release made up to this release's schema. Default true, for the
   * server. A command that reads or changes accounts passes false and is refused such a store
   * instead: it may be run beside servers of the older release, which would keep running on a
   * schema they no longer understand. A new, empty store is made either way.
   */
  upgrade?: boolean;
  /**
   * Told once when bringing the store up to date has waited a second for another process's lock
   * (another migration, a write transaction left open, on PostgreSQL a lock on a table), before
   * it waits on. Default: no word.
   */
  onMigrationWait?: () => void;
}

/**
 * Opens the stores at a location (creating and migrating the SQLite file or the PostgreSQL
 * schema). The PostgreSQL and Redis drivers are optional dependencies, loaded only here and
 * only when asked for.
 */
export async function openStores(
  location: StoreLocation,
  options: OpenStoresOptions = {},
): Promise<OpenedStores> {
  switch (location.kind) {
    case 'sqlite': {
      mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 });
      if (options.upgrade === false || options.existingOnly === true) {
        const where = `the SQLite database ${location.path}`;
        const version = existsSync(location.path) ? sqliteSchemaVersion(location.path) : 0;
        if (options.existingOnly === true && version === 0) {
          throw new ConfigError(
            '--data-dir or --store',
            `${where} holds no Latchkey tables; check the folder or the path, or create them ` +
              'with latchkey migrate',
          );
        }
        if (options.upgrade === false) {
          refuseUpgrade('--data-dir or --store', where, version, latestSchemaVersion);
        }
      }
      const stores = openSqliteStores(
        location.path,
        options.onMigrationWait === undefined ? {} : { onMigrationWait: options.onMigrationWait },
      );
      restrictToOwner(location.path);
      return { ...stores, description: `sqlite:${location.path}` };
    }
    case 'postgres': {
      const { getPostgresSchemaVersion, latestPostgresSchemaVersion, openPostgresStores } =
        await loadDriver(() => import('../stores/postgres/index.js'), 'pg');
      const schema = location.schema ?? 'latchkey';
      const stores = await openPostgresStores(location.url, { schema, migrate: false });
      try {
        const version = await getPostgresSchemaVersion(stores.pool, { schema });
        if (options.existingOnly === true && version === 0) {
          throw new ConfigError(
            '--store (LATCHKEY_STORE)',
            `the schema "${schema}" of this database holds no Latchkey tables; check the URL's ` +
              '?schema= (default latchkey), or create them with latchkey migrate',
          );
        }
        if (options.upgrade === false) {
          const where = `the schema "${schema}"`;
          refuseUpgrade('--store (LATCHKEY_STORE)', where, version, latestPostgresSchemaVersion);
        }
        await stores.migrate(
          options.onMigrationWait === undefined ? {} : { onWait: options.onMigrationWait },
        );
      } catch (error) {
        await stores.close();
        throw error;
      }
      return { ...stores, description: `${masked(location.url)} (schema ${schema})` };
    }
    case 'redis': {
      const { openRedisStores } = await loadDriver(
        () => import('../stores/redis/index.js'),
        'ioredis',
      );
      const stores = await openRedisStores(location.url, {
        ...(location.keyPrefix === undefined ? {} : { keyPrefix: location.keyPrefix }),
        ...(options.clientCache === undefined ? {} : { clientCache: options.clientCache }),
        ...(options.onClientError === undefined ? {} : { onClientError: options.onClientError }),
      });
      const prefix = location.keyPrefix ?? 'latchkey';
      return { ...stores, description: `${masked(location.url)} (prefix ${prefix})` };
    }
  }
}

/**
 * What can hold up bringing a store up to date, and how long that waits: the words of the
 * server's `store.migration_waiting` warning and of `latchkey migrate`'s notice.
 */
export function migrationWait(kind: 'sqlite' | 'postgres'): { holders: string; upTo: string } {
  return kind === 'sqlite'
    ? {
        holders: 'another migration, or a write transaction left open, as in an sqlite3 shell',
        upTo: '2 minutes',
      }
    : {
        holders:
          'another migrator (a server starting, latchkey migrate), or a lock on its tables ' +
          '(pg_dump, a transaction left open)',
        upTo: 'a minute a step',
      };
}

/** The server's `store.migration_waiting` warning. */
export function migrationWaitDetail(location: StoreLocation): string {
  if (location.kind === 'redis') return 'bringing the store up to date waits for a lock';
  const { holders, upTo } = migrationWait(location.kind);
  const what = location.kind === 'sqlite' ? 'SQLite file' : 'PostgreSQL schema';
  return (
    `bringing the ${what} up to date waits for a lock held by ${holders}; ` +
    `it waits up to ${upTo}`
  );
}

/**
 * A URL fit for logs: its password, if any, replaced by `***`, and its query string and fragment
 * dropped (drivers take secrets there too: `?password=`, `?sslpassword=`, `?sslkey=`; a password
 * typed with a raw `#` ends up in the fragment).
 */
export function masked(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(unparseable store URL)';
  }
}

/** Imports a store module whose driver is an optional dependency, or says how to install it. */
export async function loadDriver<T>(load: () => Promise<T>, driver: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ConfigError(
        '--store (LATCHKEY_STORE)',
        `this store needs the "${driver}" package; install it with npm install ${driver}`,
      );
    }
    throw error;
  }
}

/**
 * Throws a `ConfigError` for a store at an older schema version than this release's (and not a
 * new, empty one, at 0): see {@link OpenStoresOptions.upgrade}. `option` is how the user named
 * the store, `where` says which it is.
 */
function refuseUpgrade(option: string, where: string, version: number, latest: number): void {
  if (version === 0 || version >= latest) return;
  throw new ConfigError(
    option,
    `${where} has schema version ${String(version)}, made by an older release of latchkey; ` +
      `this one uses version ${String(latest)}. Stop every server of the older release on ` +
      'it, then run `latchkey migrate` with the same --data-dir or --store (or start the ' +
      'server of this release, which migrates at start)',
  );
}

/**
 * The schema version of an SQLite file, read without changing it (its journal mode included);
 * throws `StoreUnavailableError` when it cannot be read.
 */
function sqliteSchemaVersion(path: string): number {
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { readonly: true, fileMustExist: true });
    return getSchemaVersion(database);
  } catch (error) {
    throw error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError('getSchemaVersion', error);
  } finally {
    database?.close();
  }
}
