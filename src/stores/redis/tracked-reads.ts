import type { Redis } from 'ioredis';
import type { RedisClient } from './scripts.js';

/**
 * Most hashes kept in memory, sessions and users together; past it, the oldest goes. Unit:
 * entries. 10,000.
 */
export const TRACKED_READ_ENTRIES = 10_000;

/** The channel Redis publishes invalidations on to a RESP2 connection that takes them. */
const INVALIDATIONS = '__redis__:invalidate';

const NOT_FENCED = Promise.resolve(false);

/** How long after an error for a fence's PING its connection is made afresh. Unit: ms. 1,000. */
const RETRY_AFTER_ERROR_MS = 1_000;

// A lone surrogate cannot be sent as UTF-8: the key Redis names in an invalidation would not
// be the one kept, so such a key is never kept.
const LONE_SURROGATE = /\p{Cs}/u;

interface Entry {
  readonly fields: readonly string[];
  readonly values: readonly (string | null)[];
  /** Another name the entry is found under (a session's token hash), or null. */
  readonly alias: string | null;
  /** The values decoded once, by `decodedBy` (see {@link TrackedReads.peek}). */
  decoded?: unknown;
  decodedBy?: (values: readonly (string | null)[]) => unknown;
  /** Calls let through without a fence ({@link TrackedReads.admit}), in run `admittedIn`. */
  admissions?: number;
  admittedIn?: number;
}

/** A read on the way: marked when its key changes before it is answered. */
interface Fetch {
  changed: boolean;
}

/**
 * Hashes read from Redis and kept in this process under Redis's client-side caching (`CLIENT
 * TRACKING` in broadcasting mode): a connection of this class, subscribed to its invalidations
 * (RESP2), asks Redis for the name of every key under one prefix that any client changes, and
 * drops what it kept under that name.
 *
 * A kept hash is served only after a fence ({@link fence}): a PING on that connection, written
 * after the store call that asks for it began. Redis queues the invalidation of a change on the
 * connection before it writes the answer to the client that made it, so a change whose call had
 * returned is known here before the answer to the PING; and tracking lives with that connection,
 * so that answer also shows tracking was on all along. A session revoked by any server before a
 * request arrives is never served to that request from here. One fence serves every store call
 * of an event-loop turn. An error for an answer (Redis busy with a script, which answers before
 * it sends invalidations) fails the fence and starts the connection afresh.
 *
 * The fence holds only while both connections reach one Redis server: not through a proxy or
 * load balancer that may send them to different servers or replicas.
 *
 * While the connection is down, or before tracking is on, nothing is kept and every read goes
 * to Redis. What a read returns is kept only when tracking was on when it was sent, with no
 * reconnect and no invalidation of its key before its answer.
 */
export class TrackedReads {
  readonly #client: Redis;
  readonly #listener: Redis;
  readonly #prefix: string;
  readonly #maxEntries: number;
  readonly #report: (error: Error) => void;
  readonly #entries = new Map<string, Entry>();
  readonly #aliases = new Map<string, string>();
  readonly #inFlight = new Map<string, Fetch[]>();
  #live = false;
  #closed = false;
  /** Bumped when everything kept is dropped: reads sent before then are not kept. */
  #epoch = 0;
  /** Bumped when the connection closes: tracking set up before then is gone. */
  #links = 0;
  /** The {@link #links} of the last setup attempt. */
  #triedLinks = -1;
  #syncing: Promise<void> = Promise.resolve();
  #fence: Promise<boolean> | null = null;
  /**
   * Counts runs of promise callbacks that admitted a key ({@link admit}): an admission holds
   * only in the run that made it, and the count moves on at the next tick.
   */
  #run = 0;
  #runEnding = false;
  readonly #endRun = (): void => {
    this.#run += 1;
    this.#runEnding = false;
  };

  /**
   * Keeps hashes under `prefix` read through `client` (the stores' connection, not owned); the
   * connection that takes the invalidations is made like it (`duplicate`). Call {@link start}.
   */
  constructor(
    client: Redis,
    options: { prefix: string; maxEntries?: number; onError?: (error: Error) => void },
  ) {
    this.#client = client;
    this.#prefix = options.prefix;
    this.#maxEntries = options.maxEntries ?? TRACKED_READ_ENTRIES;
    this.#report = options.onError ?? (() => undefined);
    const name = client.options.connectionName ?? 'latchkey';
    this.#listener = client.duplicate({
      lazyConnect: true,
      connectionName: `${name}-invalidations`,
      // Invalidations reach a connection as Pub/Sub messages only under RESP2; ioredis drops
      // RESP3's `invalidate` pushes.
      protocol: 2,
      // Subscribed again by hand, once tracking is on again.
      autoResubscribe: false,
    });
    this.#listener.on('error', this.#report);
    this.#listener.on('ready', () => {
      this.#sync();
    });
    this.#listener.on('close', () => {
      this.#drop();
    });
    this.#listener.on('messageBuffer', (channel: unknown, keys: unknown) => {
      this.#invalidate(channel, keys);
    });
  }

  /** Whether kept hashes may be served (tracking is on, its connection up). */
  get live(): boolean {
    return this.#live;
  }

  /** Connects, then turns tracking on. Rejects if it cannot connect. */
  async start(): Promise<void> {
    // Its 'ready' event has queued the setup by the time connect() resolves.
    await this.#listener.connect();
    await this.#syncing;
  }

  /** Closes its connection; nothing is kept from then on. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#drop();
    if (this.#listener.status === 'ready') {
      await this.#listener.quit().catch(() => {
        this.#listener.disconnect();
      });
    } else {
      this.#listener.disconnect();
    }
  }

  /**
   * Resolves true once every change Redis ran before this call is known here, so that kept
   * hashes may be served to the caller; false when they may not (read from Redis instead).
   * Rejects when a PING times out. Every call in one event-loop turn shares one fence, written
   * after that turn's requests were read.
   */
  fence(): Promise<boolean> {
    if (!this.#live) return NOT_FENCED;
    this.#fence ??= this.#nextFence();
    return this.#fence;
  }

  /**
   * Lets the next call for `key` through without a fence, while the promise callbacks of the
   * current run go on (until the next tick): for the user of a session just served after a
   * fence, looked up next by the same request, which arrived before that fence's PING. Each
   * admission serves one call. Any call for that key in that run may take it: an application
   * that resumes a later request there (from a queue of its own) could be shown the user as of
   * that PING, not as of its request. Disabling an account through Latchkey ends its sessions
   * first, and a session lookup always waits for a fence of its own.
   */
  admit(key: string): void {
    // Marked on the kept hash itself: no map to fill and empty on every request. A hash not
    // kept needs no admission (it is read from Redis), and one kept afresh or dropped meanwhile
    // loses it (a fence, or a read, instead).
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (!this.#runEnding) {
      this.#runEnding = true;
      process.nextTick(this.#endRun);
    }
    if (entry.admittedIn !== this.#run) {
      entry.admittedIn = this.#run;
      entry.admissions = 0;
    }
    entry.admissions = (entry.admissions ?? 0) + 1;
  }

  /** Takes one admission of `key` ({@link admit}); false when there is none. */
  admitted(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry?.admittedIn !== this.#run || !this.#live) return false;
    const left = entry.admissions ?? 0;
    if (left === 0) return false;
    entry.admissions = left - 1;
    return true;
  }

  /** Whether a hash is kept under `key`. */
  holds(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The key of the hash kept under an alias, if any. */
  keyOf(alias: string): string | undefined {
    return this.#aliases.get(alias);
  }

  /**
   * The kept values of `fields` of the hash `key` (read with this same array of fields) as
   * `decode` makes them, or undefined. `decode` runs once per kept hash: what it returns is
   * shared by every later call, so the caller copies what it hands on. Only after {@link fence}
   * resolved true for the calling store call (or {@link admitted}).
   */
  peek<T>(
    key: string,
    fields: readonly string[],
    decode: (values: readonly (string | null)[]) => T,
  ): T | undefined {
    const entry = this.#entries.get(key);
    if (entry?.fields !== fields) return undefined;
    if (entry.decodedBy !== decode) {
      entry.decoded = decode(entry.values);
      entry.decodedBy = decode;
    }
    return entry.decoded as T;
  }

  /**
   * HMGET on the stores' connection; the values are kept (under `alias` too, when given) unless
   * the hash does not exist or the read cannot be trusted to be told of changes.
   */
  async hmget(
    key: string,
    fields: readonly string[],
    alias: string | null = null,
  ): Promise<readonly (string | null)[]> {
    if (!this.#live || !key.startsWith(this.#prefix) || LONE_SURROGATE.test(key)) {
      return this.#client.hmget(key, ...fields);
    }
    const epoch = this.#epoch;
    const fetch: Fetch = { changed: false };
    const waiting = this.#inFlight.get(key);
    if (waiting === undefined) this.#inFlight.set(key, [fetch]);
    else waiting.push(fetch);
    try {
      const values = await this.#client.hmget(key, ...fields);
      if (!fetch.changed && epoch === this.#epoch && values.some((value) => value !== null)) {
        this.#keep(key, { fields, values: Object.freeze(values), alias });
      }
      return values;
    } finally {
      const left = this.#inFlight.get(key)?.filter((other) => other !== fetch) ?? [];
      if (left.length === 0) this.#inFlight.delete(key);
      else this.#inFlight.set(key, left);
    }
  }

  #keep(key: string, entry: Entry): void {
    // A hash read again without its alias (a session found by id) keeps the one it had.
    const alias = entry.alias ?? this.#entries.get(key)?.alias ?? null;
    this.#forget(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#forget(oldest.value);
    }
    this.#entries.set(key, alias === entry.alias ? entry : { ...entry, alias });
    if (alias !== null) this.#aliases.set(alias, key);
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    if (entry.alias !== null && this.#aliases.get(entry.alias) === key) {
      this.#aliases.delete(entry.alias);
    }
  }

  /** Drops everything kept, and makes every read on the way not kept. */
  #forgetAll(): void {
    this.#epoch += 1;
    this.#entries.clear();
    this.#aliases.clear();
  }

  #drop(): void {
    this.#live = false;
    this.#links += 1;
    this.#forgetAll();
  }

  #invalidate(channel: unknown, keys: unknown): void {
    if (String(channel) !== INVALIDATIONS) return;
    // A null list: the database was flushed (or Redis gave up tracking): everything goes.
    if (!Array.isArray(keys)) {
      this.#forgetAll();
      return;
    }
    for (const raw of keys as unknown[]) {
      const key = String(raw);
      this.#forget(key);
      const waiting = this.#inFlight.get(key);
      if (waiting !== undefined) for (const fetch of waiting) fetch.changed = true;
    }
  }

  #nextFence(): Promise<boolean> {
    const links = this.#links;
    return new Promise<boolean>((resolve, reject) => {
      // Written once the poll phase has read every ready request, so that each store call of
      // this turn began before the PING went out.
      setImmediate(() => {
        this.#fence = null;
        if (!this.#live || links !== this.#links) {
          resolve(false);
          return;
        }
        this.#listener.ping().then(
          () => {
            resolve(this.#live && links === this.#links);
          },
          (error: unknown) => {
            // The invalidations may be lost with a PING that failed: nothing kept is trusted.
            const ready = this.#listener.status === 'ready';
            this.#drop();
            if (error instanceof Error && error.message === 'Command timed out') {
              // Redis (or the way to it) is stuck: a read would wait as long again. The calls
              // fail; the connection is made afresh.
              if (ready) this.#listener.disconnect(true);
              reject(error);
              return;
            }
            if (ready) {
              // An error for an answer (BUSY, NOPERM): the connection is made afresh, in a
              // second (tracking cannot be set up again on a subscribed connection).
              this.#report(error instanceof Error ? error : new Error(String(error)));
              setTimeout(() => {
                if (this.#listener.status === 'ready' && !this.#closed) {
                  this.#listener.disconnect(true);
                }
              }, RETRY_AFTER_ERROR_MS).unref();
            }
            // The calls read from Redis instead.
            resolve(false);
          },
        );
      });
    });
  }

  /** Turns tracking on once the connection is up (again), one attempt at a time. */
  #sync(): void {
    this.#syncing = this.#syncing
      .then(() => this.#track())
      .catch((error: unknown) => {
        this.#report(error instanceof Error ? error : new Error(String(error)));
      });
  }

  async #track(): Promise<void> {
    if (this.#closed || this.#live || this.#listener.status !== 'ready') return;
    const links = this.#links;
    // One attempt per connection: after a refusal part-way, a second would fail differently.
    if (this.#triedLinks === links) return;
    this.#triedLinks = links;
    // Tracking belongs to this connection and redirects to it: broadcasting mode needs no
    // reads of its own. It is asked for before subscribing (a subscribed RESP2 connection
    // takes no other commands); nothing is kept until both are done.
    const id = String(await this.#listener.client('ID'));
    await this.#listener.client('TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', this.#prefix);
    await this.#listener.subscribe(INVALIDATIONS);
    // A connection lost, or close() called, since this began has bumped the links.
    if (links === this.#links) this.#live = true;
  }
}

/**
 * HMGET of `fields` of `key`: through `reads` when the stores have them (kept there, under
 * `alias` too, when it may be), else straight from `client`.
 */
export function readHash(
  client: RedisClient,
  reads: TrackedReads | null,
  key: string,
  fields: readonly string[],
  alias: string | null = null,
): Promise<readonly (string | null)[]> {
  return reads === null ? client.hmget(key, ...fields) : reads.hmget(key, fields, alias);
}
