import type Database from 'better-sqlite3';

/**
 * Most entries a read cache keeps; past it, the oldest goes. Bounds the memory of a server with
 * a million live sessions to a working set. Unit: entries. 10,000.
 */
export const READ_CACHE_ENTRIES = 10_000;

// One watcher per database handle, shared by the stores built on it.
const watchers = new WeakMap<Database.Database, ChangeWatcher>();

/**
 * Tells whether another connection (another process: the CLI, a second server on the same
 * file) has committed, through SQLite's `PRAGMA data_version`, which changes exactly when one
 * has. Writes through this connection do not change it: the stores drop what those writes
 * touch themselves.
 *
 * It is read once per event-loop turn, not once per lookup: every request handled in one turn
 * sees the file as it was when the turn began (a request arriving after another process's
 * commit is always handled in a later turn). Reading it per lookup cost two statements per
 * authenticated request, about a seventh of the server's time.
 */
class ChangeWatcher {
  readonly #statement: Database.Statement<[], number>;
  /** Bumped by local writes that reach rows of another store (a user's cascading delete). */
  localEpoch = 0;
  #dataVersion: number | null = null;
  readonly #forget = (): void => {
    this.#dataVersion = null;
  };

  constructor(database: Database.Database) {
    this.#statement = database.prepare<[], number>('PRAGMA data_version').pluck();
  }

  version(): string {
    if (this.#dataVersion === null) {
      this.#dataVersion = this.#statement.get() ?? 0;
      setImmediate(this.#forget);
    }
    return `${this.#dataVersion}:${this.localEpoch}`;
  }
}

/**
 * A bounded map of rows read from SQLite, emptied whenever another connection has written.
 * It spares the hot path of every authenticated request (which session, which user) a query
 * while staying as fresh as the file was when the current event-loop turn began: a session
 * revoked by any process is not served from it to any request that arrives after the revocation.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #watcher: ChangeWatcher;
  #version: string;

  constructor(database: Database.Database) {
    let watcher = watchers.get(database);
    if (watcher === undefined) {
      watcher = new ChangeWatcher(database);
      watchers.set(database, watcher);
    }
    this.#watcher = watcher;
    this.#version = watcher.version();
  }

  /** The cached value, or undefined; first empties the cache if another process wrote. */
  get(key: string): V | undefined {
    const version = this.#watcher.version();
    if (version !== this.#version) {
      this.#entries.clear();
      this.#version = version;
      return undefined;
    }
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= READ_CACHE_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Empties every cache on this database handle, for a write whose effects reach them all. */
  clearAll(): void {
    this.#watcher.localEpoch += 1;
    this.#entries.clear();
  }
}
