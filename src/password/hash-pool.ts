import { createRequire } from 'node:module';

import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

import { HASH_THREAD_SOURCE, hashThreadData } from './hash-thread.js';
import { parseArgon2idHash } from './phc.js';

import type { Argon2idParameters } from './parameters.js';

/** The Argon2 options Latchkey passes, as @node-rs/argon2 names them. */
export interface Argon2Options {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  outputLen: number;
}

/** A job for a thread; `cost` names its Argon2 cost, so that jobs of one cost can be paired. */
type Job = { cost: string } & (
  | { op: 'hash'; password: string; options: Argon2Options }
  | { op: 'verify'; hash: string; password: string }
);

/** What a worker sends back for one job; it sends them in lists of one or two. */
interface JobResult {
  id: number;
  ok: boolean;
  value?: string | boolean;
  message?: string;
}

interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The jobs in flight, in the order posted, kept to run elsewhere should the thread die. */
  jobs: Map<number, { job: Job; alone: boolean }>;
  /** Ends the thread once it has been idle for the pool's idle time; null while it works. */
  idleTimer: NodeJS.Timeout | null;
}

/**
 * A job could not be run: no hashing thread could start, or the job took down its thread and
 * the one it was run on again. Not a verdict on the password, so that `verifyPassword` passes it
 * on instead of answering false.
 */
export class HashingThreadError extends Error {
  override readonly name = 'HashingThreadError';
}

/** Options for {@link HashPool}. */
export interface HashPoolOptions {
  /**
   * How long a thread with nothing to hash lives on. Each holds about 10 MB (its own V8 heap
   * and Node.js instance), which a server that logs nobody in for a while gives back; the next
   * hash starts a thread again (tens of milliseconds). Unit: milliseconds. Default: 60,000.
   */
  idleExitMs?: number;
}

/**
 * Threads that died one after another with no result between them, after which the pool hashes
 * on libuv's pool instead (as when the threads cannot load Argon2): threads that cannot start or
 * keep dying would otherwise cost two thread starts and a failure for every job.
 */
const DEATHS_BEFORE_LIBUV = 4;

const DEFAULT_IDLE_EXIT_MS = 60_000;

/**
 * Argon2 off the event loop on worker threads, one per CPU (`os.availableParallelism()`), each
 * taking jobs from its own queue. Unlike libuv's pool (4 threads whatever the machine, shared
 * with `fs` and `dns`), it never runs more hashes at once than there are CPUs, and on Linux its
 * threads yield to the event loop, so a login storm does not slow other requests down. Workers
 * start on first use and do not keep the process alive.
 */
export class HashPool {
  readonly size: number;
  readonly #slots: (Slot | null)[];
  readonly #argon2: string | null;
  /** Why the threads cannot be used (the library's async calls on libuv's pool then), or null. */
  #unavailable: string | null = null;
  #nextId = 0;
  readonly #idleExitMs: number;
  /** Jobs that were on a thread that died, running or held: a second time, they are refused. */
  readonly #struck = new WeakSet<Job>();
  /** Threads that died since the last result any thread sent. */
  #deathsInARow = 0;

  /**
   * @param size Threads at most. Default: one per CPU.
   * @param argon2 Where the threads load @node-rs/argon2 from. Default: resolved from here.
   */
  constructor(
    size = availableParallelism(),
    argon2: string | null = resolveArgon2(),
    options: HashPoolOptions = {},
  ) {
    this.size = Math.max(1, size);
    this.#idleExitMs = options.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
    this.#slots = Array.from({ length: this.size }, () => null);
    this.#argon2 = argon2;
    if (this.#argon2 === null) this.#unavailable = 'the Argon2 module cannot be located';
  }

  /** How many threads are running now. */
  get threads(): number {
    return this.#slots.filter((slot) => slot !== null).length;
  }

  /**
   * Why hashing runs on libuv's pool instead of these threads (they cannot load Argon2, or
   * {@link DEATHS_BEFORE_LIBUV} died in a row), or null when it does not.
   */
  get unavailable(): string | null {
    return this.#unavailable;
  }

  hash(password: string, options: Argon2Options): Promise<string> {
    const cost = costKey(options.memoryCost, options.timeCost, options.parallelism);
    return this.#run({ op: 'hash', password, options, cost }) as Promise<string>;
  }

  /**
   * @param parameters The cost written in `hash`, when the caller has parsed it already.
   *   Default: read from `hash` (an empty cost when it cannot be).
   */
  verify(
    hash: string,
    password: string,
    parameters: Argon2idParameters | undefined = parseArgon2idHash(hash)?.parameters,
  ): Promise<boolean> {
    const cost =
      parameters === undefined
        ? ''
        : costKey(parameters.memoryCostKib, parameters.timeCost, parameters.parallelism);
    return this.#run({ op: 'verify', hash, password, cost }) as Promise<boolean>;
  }

  /** @param alone Answered on its own, never paired: a job run again after its thread died. */
  #run(job: Job, alone = false): Promise<string | boolean> {
    // A bundler that rewrites module paths (Next.js without serverExternalPackages, say)
    // leaves the threads nothing to load: hash where the library hashes by itself.
    if (this.#unavailable !== null) return runOnLibuv(job);
    let slot: Slot;
    try {
      slot = this.#leastBusy();
    } catch (error) {
      // No thread could start (a thread or memory limit): a failure, never a wrong password.
      return Promise.reject(
        new HashingThreadError(`latchkey: a hashing thread could not start: ${messageOf(error)}`, {
          cause: error,
        }),
      );
    }
    this.#nextId += 1;
    const id = this.#nextId;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.jobs.set(id, { job, alone });
      if (slot.idleTimer !== null) {
        clearTimeout(slot.idleTimer);
        slot.idleTimer = null;
      }
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, job, alone });
    });
  }

  #leastBusy(): Slot {
    let best: Slot | null = null;
    for (let index = 0; index < this.#slots.length; index += 1) {
      const slot = this.#slots[index] ?? this.#start(index);
      if (best === null || slot.pending.size < best.pending.size) best = slot;
      if (slot.pending.size === 0) break;
    }
    if (best === null) throw new Error('latchkey: the hash pool has no workers');
    return best;
  }

  #start(index: number): Slot {
    const worker = new Worker(HASH_THREAD_SOURCE, {
      eval: true,
      // The source above is a plain CommonJS script: none of the parent's flags (a loader,
      // --input-type=module) apply to it.
      execArgv: [],
      workerData: hashThreadData(this.#argon2),
      // Hashing needs no more than Argon2's own memory; keep each thread's V8 heap small.
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    const slot: Slot = { worker, pending: new Map(), jobs: new Map(), idleTimer: null };
    worker.unref();
    const settle = (result: JobResult): void => {
      this.#deathsInARow = 0;
      slot.jobs.delete(result.id);
      const pending = slot.pending.get(result.id);
      if (pending === undefined) return;
      slot.pending.delete(result.id);
      // Idle workers must not hold the process open, nor their memory for long.
      if (slot.pending.size === 0) {
        worker.unref();
        this.#exitWhenIdle(index, slot);
      }
      if (result.ok) pending.resolve(result.value ?? false);
      else pending.reject(new Error(result.message ?? 'argon2 failed'));
    };
    worker.on('message', (reply: JobResult[] | { unavailable: string }) => {
      if (Array.isArray(reply)) {
        for (const result of reply) settle(result);
        return;
      }
      this.#unavailable = reply.unavailable;
      if (this.#slots[index] === slot) this.#slots[index] = null;
      worker.unref();
      // Every job this thread took runs on libuv's pool instead.
      for (const [id, pending] of slot.pending) {
        const posted = slot.jobs.get(id);
        if (posted !== undefined) runOnLibuv(posted.job).then(pending.resolve, pending.reject);
      }
      slot.pending.clear();
      slot.jobs.clear();
    });
    const fail = (error: HashingThreadError): void => {
      if (slot.idleTimer !== null) clearTimeout(slot.idleTimer);
      if (this.#slots[index] === slot) this.#slots[index] = null;
      const outstanding = [...slot.pending].map(([id, pending]) => ({
        pending,
        posted: slot.jobs.get(id),
      }));
      slot.pending.clear();
      slot.jobs.clear();
      if (outstanding.length === 0) return;
      this.#deathsInARow += 1;
      if (this.#deathsInARow >= DEATHS_BEFORE_LIBUV && this.#unavailable === null) {
        this.#unavailable = `${String(DEATHS_BEFORE_LIBUV)} hashing threads died in a row`;
      }
      // A thread works through its jobs in the order posted: the one it died on is the first
      // outstanding, or the second when it held the first for it. Those two (one, for a job
      // answered alone) are struck and run again alone; a job struck twice is refused. The jobs
      // queued behind them did nothing wrong, and run again as they were.
      const suspects = outstanding[0]?.posted?.alone === true ? 1 : 2;
      outstanding.forEach(({ pending, posted }, place) => {
        if (posted === undefined) {
          pending.reject(error);
          return;
        }
        const suspect = place < suspects;
        if (suspect && this.#struck.has(posted.job)) {
          pending.reject(error);
          return;
        }
        if (suspect) this.#struck.add(posted.job);
        this.#run(posted.job, suspect || posted.alone).then(pending.resolve, pending.reject);
      });
    };
    worker.on('error', (error) => {
      fail(
        new HashingThreadError(`latchkey: a hashing thread failed: ${messageOf(error)}`, {
          cause: error,
        }),
      );
    });
    worker.on('exit', (code) => {
      fail(new HashingThreadError(`latchkey: a hashing thread exited (code ${code})`));
    });
    this.#slots[index] = slot;
    return slot;
  }

  #exitWhenIdle(index: number, slot: Slot): void {
    if (slot.idleTimer !== null) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = null;
      if (slot.pending.size > 0 || this.#slots[index] !== slot) return;
      // Out of the pool first, so that no job is posted to a thread on its way out.
      this.#slots[index] = null;
      void slot.worker.terminate();
    }, this.#idleExitMs);
    slot.idleTimer.unref();
  }
}

/** The name of an Argon2 cost, for telling jobs of one cost from another. */
function costKey(memoryCostKib: number, timeCost: number, parallelism: number): string {
  return `${String(memoryCostKib)},${String(timeCost)},${String(parallelism)}`;
}

/** An error's code and message, for a line that says why a thread failed. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

/** Where @node-rs/argon2 is, for the threads to load; null when a bundler hid it. */
function resolveArgon2(): string | null {
  try {
    const resolved: unknown = createRequire(import.meta.url).resolve('@node-rs/argon2');
    return typeof resolved === 'string' ? resolved : null;
  } catch {
    return null;
  }
}

function runOnLibuv(job: Job): Promise<string | boolean> {
  return job.op === 'hash'
    ? argon2Hash(job.password, job.options)
    : argon2Verify(job.hash, job.password);
}
