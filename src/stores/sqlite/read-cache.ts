import type Database from 'better-sqlite3';

/**
 * Most entries a read cache keeps; past it, the oldest goes. Bounds the memory of a server with
 * a million live sessions to a working set. Unit: entries. 10,000.
 */
export const READ_CACHE_ENTRIES = 10_000;

// Keys seen once lately, as 32-bit fingerprints in a fixed table: a row is kept only when its
// key comes back. Requests spread over far more sessions than the cache holds would otherwise
// put a row in and push one out on nearly every lookup, for a hit rate of about 1%: in
// bench/scale.ts, a million sessions were served faster with no cache at all than with one
// that admitted every row, and the churned rows grew the heap by about 35 MB.
const DOORKEEPER_SLOTS = 2 * READ_CACHE_ENTRIES;

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
  /** Counts the event-loop turns in which the file was looked at. */
  turn = 0;
  #dataVersion: number | null = null;
  readonly #forget = (): void => {
    this.#dataVersion = null;
  };

  constructor(database: Database.Database) {
    this.#statement = database.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /** The file's `data_version` as this turn began. */
  dataVersion(): number {
    if (this.#dataVersion === null) {
      this.#dataVersion = this.#statement.get() ?? 0;
      this.turn += 1;
      // Lookups run as requests are read, in the poll phase; nothing may look up from a
      // setImmediate (the server's queued answers only write), or it would keep this value
      // into the next turn's poll phase.
      setImmediate(this.#forget);
    }
    return this.#dataVersion;
  }
}

/**
 * A bounded map of rows read from SQLite, emptied whenever another connection has written.
 * It spares the hot path of every authenticated request (which session, which user) a query
 * while staying as fresh as the file was when the current event-loop turn began: a session
 * revoked by any process is not served from it to any request that arrives after the revocation.
 *
 * A row offered once is not kept: only a key seen again while still in the doorkeeper table
 * is (see {@link offer}). A row read along with another, in one statement, can be handed over
 * for the rest of the turn instead ({@link holdForTurn}). Rows can also be found by a second
 * key of their own, their alias (a session's id, where the key is its token hash), to drop one
 * after a write that names it by that ({@link deleteByAlias}).
 *
 * Emptied by replacing its maps, never with `clear()` (see {@link holdForTurn}).
 */
export class ReadCache<V> {
  #entries = new Map<string, V>();
  // Alias to key, for the rows in #entries only.
  #aliases = new Map<string, string>();
  readonly #aliasOf: ((value: V) => string) | null;
  readonly #watcher: ChangeWatcher;
  // What the cache's rows were read under: the file's data_version and the local epoch.
  #dataVersion: number;
  #localEpoch: number;
  readonly #seen = new Int32Array(DOORKEEPER_SLOTS);
  // A new map each turn rather than the old one cleared: see holdForTurn.
  #held = new Map<string, V>();
  #heldTurn = -1;

  constructor(database: Database.Database, options: { aliasOf?: (value: V) => string } = {}) {
    this.#aliasOf = options.aliasOf ?? null;
    let watcher = watchers.get(database);
    if (watcher === undefined) {
      watcher = new ChangeWatcher(database);
      watchers.set(database, watcher);
    }
    this.#watcher = watcher;
    this.#dataVersion = watcher.dataVersion();
    this.#localEpoch = watcher.localEpoch;
  }

  /** The cached value, or undefined; first empties the cache if another process wrote. */
  get(key: string): V | undefined {
    const dataVersion = this.#watcher.dataVersion();
    const { localEpoch } = this.#watcher;
    if (dataVersion !== this.#dataVersion || localEpoch !== this.#localEpoch) {
      this.clear();
      this.#dataVersion = dataVersion;
      this.#localEpoch = localEpoch;
      return undefined;
    }
    const value = this.#entries.get(key);
    if (value !== undefined || this.#heldTurn !== this.#watcher.turn) return value;
    return this.#held.get(key);
  }

  /** Offers a row just read: kept if its key was offered lately too, else only noted. */
  offer(key: string, value: V): void {
    const fingerprint = fingerprintOf(key);
    const slot = (fingerprint >>> 0) % DOORKEEPER_SLOTS;
    if (this.#seen[slot] !== fingerprint) {
      this.#seen[slot] = fingerprint;
      return;
    }
    this.#seen[slot] = 0;
    this.set(key, value);
  }

  /** Keeps a row, whatever the doorkeeper says; past the bound, the oldest goes. */
  set(key: string, value: V): void {
    this.#forget(key);
    if (this.#entries.size >= READ_CACHE_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#forget(oldest.value);
    }
    this.#entries.set(key, value);
    if (this.#aliasOf !== null) this.#aliases.set(this.#aliasOf(value), key);
  }

  /**
   * Holds a row until the current event-loop turn ends, without caching it: for a row read in
   * the same statement as another (a session's user), which the next lookup asks for.
   */
  holdForTurn(key: string, value: V): void {
    const turn = this.#watcher.turn;
    if (this.#heldTurn !== turn) {
      // Not `clear()`: V8 gives a cleared map its new table in the generation the map is in, and
      // this map soon lives in the old one. Each turn's table then lies there dead until the next
      // full collection, and every scavenge meanwhile keeps alive the rows it held: with requests
      // spread over a million sessions, about 330 bytes a lookup were promoted to the old
      // generation to die there (13 MB a second under load, and the heap grew with it). A new
      // map starts in the young generation and dies there (docs/benchmarks.md).
      this.#held = new Map();
      this.#heldTurn = turn;
    }
    this.#held.set(key, value);
  }

  delete(key: string): void {
    this.#forget(key);
    this.#held.delete(key);
  }

  /**
   * Drops the row whose alias this is, if kept. Rows held for the turn have no alias: any held
   * row goes too.
   */
  deleteByAlias(alias: string): void {
    const key = this.#aliases.get(alias);
    if (key !== undefined) this.#forget(key);
    if (this.#held.size > 0) this.#held = new Map();
  }

  clear(): void {
    this.#entries = new Map();
    this.#aliases = new Map();
    this.#held = new Map();
  }

  /** Empties every cache on this database handle, for a write whose effects reach them all. */
  clearAll(): void {
    this.#watcher.localEpoch += 1;
    this.clear();
  }

  /** Drops a kept row and its alias. */
  #forget(key: string): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    if (this.#aliasOf === null) return;
    const alias = this.#aliasOf(value);
    if (this.#aliases.get(alias) === key) this.#aliases.delete(alias);
  }
}

// The read caches of each database handle, one per table: every store built on a handle shares
// them, so a write through one store is seen at once by the others (a write through this
// connection leaves `data_version` as it was, so separate caches would keep serving the old row).
const tableCaches = new WeakMap<Database.Database, Map<string, ReadCache<unknown>>>();

/**
 * The read cache of `table`'s rows on a database handle, made on first use (with `options`;
 * later calls for the same table get that one).
 */
export function readCacheOf<V>(
  database: Database.Database,
  table: string,
  options: { aliasOf?: (value: V) => string } = {},
): ReadCache<V> {
  let caches = tableCaches.get(database);
  if (caches === undefined) {
    caches = new Map();
    tableCaches.set(database, caches);
  }
  let cache = caches.get(table) as ReadCache<V> | undefined;
  if (cache === undefined) {
    cache = new ReadCache<V>(database, options);
    caches.set(table, cache as ReadCache<unknown>);
  }
  return cache;
}

/** FNV-1a over a key's UTF-16 code units: never 0, so that 0 marks an empty slot. */
function fingerprintOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  }
  return hash === 0 ? 1 : hash;
}
