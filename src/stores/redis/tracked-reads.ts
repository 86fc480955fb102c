import type { Redis } from 'ioredis';

/**
 * Most hashes kept in memory; past it, the oldest goes. Unit: entries. 10,000, as the SQLite
 * stores' read caches.
 */
export const TRACKED_READ_ENTRIES = 10_000;

/** The channel Redis publishes invalidations on to a RESP2 connection that takes them. */
const INVALIDATIONS = '__redis__:invalidate';

const NOT_FENCED = Promise.resolve(false);
const FENCED = Promise.resolve(true);

interface Entry {
  readonly fields: readonly string[];
  readonly values: readonly (string | null)[];
  /** Another name the entry is found under (a session's token hash), or null. */
  readonly alias: string | null;
  /** The values decoded once, by `decodedBy` (see {@link TrackedReads.peek}). */
  decoded?: unknown;
  decodedBy?: (values: readonly (string | null)[]) => unknown;
}

/** A read on the way: marked when its key changes before it is answered. */
interface Fetch {
  changed: boolean;
}

/**
 * Hashes read from Redis and kept in this process under Redis's client-side caching (`CLIENT
 * TRACKING`): Redis remembers which keys the tracked connection read and tells a second
 * connection, subscribed to its invalidations, as soon as any client changes one of them.
 *
 * A kept hash is served only after a fence ({@link fence}): a PING on the invalidations'
 * connection, written after the store call that asks for it began. Redis queues the
 * invalidation of a change on that connection while it runs the change, so a change made
 * before the PING is known here before its answer: a session revoked by any server before a
 * request arrives is never served to that request from here. One PING serves every store call
 * of an event-loop turn.
 *
 * While either connection is down, or before tracking is on, nothing is kept and every read
 * goes to Redis. What a read returns is kept only when tracking was on when it was sent, with
 * no reconnect and no invalidation of its key before its answer.
 */
export class TrackedReads {
  readonly #reader: Redis;
  readonly #listener: Redis;
  readonly #maxEntries: number;
  readonly #report: (error: Error) => void;
  readonly #entries = new Map<string, Entry>();
  readonly #aliases = new Map<string, string>();
  readonly #inFlight = new Map<string, Fetch[]>();
  #live = false;
  #closed = false;
  /** Bumped when everything kept is dropped: reads sent before then are not kept. */
  #epoch = 0;
  /** Bumped when a connection closes: tracking set up before then is gone. */
  #links = 0;
  #listenerId: string | null = null;
  #syncing: Promise<void> = Promise.resolve();
  #fence: Promise<boolean> | null = null;
  /** True while the callers of a fence that resolved true run on (see {@link fence}). */
  #open = false;
  readonly #endWindow = (): void => {
    this.#open = false;
  };

  /**
   * Two connections of their own, made like `client` (`duplicate`): one reads with tracking
   * on, one takes the invalidations (RESP2, subscribed). Call {@link start} before use.
   */
  constructor(client: Redis, options: { maxEntries?: number; onError?: (error: Error) => void }) {
    this.#maxEntries = options.maxEntries ?? TRACKED_READ_ENTRIES;
    this.#report = options.onError ?? (() => undefined);
    const name = client.options.connectionName ?? 'latchkey';
    this.#reader = client.duplicate({ lazyConnect: true, connectionName: `${name}-reads` });
    this.#listener = client.duplicate({
      lazyConnect: true,
      connectionName: `${name}-invalidations`,
      // Invalidations reach a redirect target as Pub/Sub messages only under RESP2; ioredis
      // drops RESP3's `invalidate` pushes.
      protocol: 2,
      // Subscribed again by hand, after its new client id is known.
      autoResubscribe: false,
    });
    for (const connection of [this.#reader, this.#listener]) {
      connection.on('error', this.#report);
      connection.on('ready', () => {
        this.#sync();
      });
    }
    this.#reader.on('close', () => {
      this.#drop();
    });
    this.#listener.on('close', () => {
      this.#listenerId = null;
      this.#drop();
    });
    this.#listener.on('messageBuffer', (channel: unknown, keys: unknown) => {
      this.#invalidate(channel, keys);
    });
  }

  /** Whether kept hashes may be served (tracking is on, both connections up). */
  get live(): boolean {
    return this.#live;
  }

  /** Connects both connections, then turns tracking on. Rejects if either cannot connect. */
  async start(): Promise<void> {
    await Promise.all([this.#reader.connect(), this.#listener.connect()]);
    this.#sync();
    await this.#syncing;
  }

  /** Closes both connections; reads fail from then on. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#drop();
    await Promise.all(
      [this.#reader, this.#listener].map(async (connection) => {
        if (connection.status === 'ready') await connection.quit();
        else connection.disconnect();
      }),
    );
  }

  /**
   * Resolves true once every change Redis ran before this call is known here, so that kept
   * hashes may be served to the caller; false when they may not (read from Redis instead).
   * Rejects when the PING fails or times out.
   * Every call in one event-loop turn shares one PING, written after that turn's requests
   * were read.
   *
   * Calls made while the callers of a fence are resumed (in the same run of promise callbacks
   * as its PING's answer) are fenced already, and see Redis as of that PING: no socket is read
   * there, so they come from requests that arrived before it was written. So an authenticated
   * request's user lookup, made straight after its session was found here, needs no second
   * PING.
   */
  fence(): Promise<boolean> {
    if (!this.#live) return NOT_FENCED;
    if (this.#open) return FENCED;
    this.#fence ??= this.#nextFence();
    return this.#fence;
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
   * resolved true for the calling store call.
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
   * HMGET on the tracked connection; the values are kept (under `alias` too, when given) unless
   * the hash does not exist or the read cannot be trusted to be told of changes.
   */
  async hmget(
    key: string,
    fields: readonly string[],
    alias: string | null = null,
  ): Promise<readonly (string | null)[]> {
    if (!this.#live) return this.#reader.hmget(key, ...fields);
    const epoch = this.#epoch;
    const fetch: Fetch = { changed: false };
    const waiting = this.#inFlight.get(key);
    if (waiting === undefined) this.#inFlight.set(key, [fetch]);
    else waiting.push(fetch);
    try {
      const values = await this.#reader.hmget(key, ...fields);
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
    this.#forget(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#forget(oldest.value);
    }
    this.#entries.set(key, entry);
    if (entry.alias !== null) this.#aliases.set(entry.alias, key);
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
            const fenced = this.#live && links === this.#links;
            if (fenced) {
              // Closed once every promise callback queued from here has run: a tick runs only
              // after the microtask queue is empty.
              this.#open = true;
              process.nextTick(this.#endWindow);
            }
            resolve(fenced);
          },
          (error: unknown) => {
            // A PING that fails or times out: the invalidations may be lost with it, and a
            // read would most likely wait as long again. The calls fail; the connection is
            // made afresh.
            this.#drop();
            if (this.#listener.status === 'ready') this.#listener.disconnect(true);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    });
  }

  /** Turns tracking on once both connections are up (again), one attempt at a time. */
  #sync(): void {
    this.#syncing = this.#syncing
      .then(() => this.#track())
      .catch((error: unknown) => {
        this.#report(error instanceof Error ? error : new Error(String(error)));
      });
  }

  async #track(): Promise<void> {
    if (this.#closed || this.#live) return;
    if (this.#reader.status !== 'ready' || this.#listener.status !== 'ready') return;
    const links = this.#links;
    if (this.#listenerId === null) {
      const id = String(await this.#listener.client('ID'));
      await this.#listener.subscribe(INVALIDATIONS);
      if (links !== this.#links) return;
      this.#listenerId = id;
    }
    await this.#reader.client('TRACKING', 'ON', 'REDIRECT', this.#listenerId);
    // A connection lost, or close() called, since this began has bumped the links.
    if (links === this.#links) this.#live = true;
  }
}
