import { Worker } from 'node:worker_threads';

/** What the worker's last checkpoint found: SQLite's `PRAGMA wal_checkpoint` row. */
export interface CheckpointStatus {
  /** Another connection was checkpointing, or a reader held back part of the WAL. */
  busy: boolean;
  /** Frames (pages) in the WAL. */
  log: number;
  /** Of those, frames now copied into the database file. */
  checkpointed: number;
}

/** Options for {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** How often the worker checkpoints when the last checkpoint found nothing to do, in ms. */
  intervalMs?: number;
  /**
   * SQLite's `journal_size_limit` on the worker's connection, for the writes it runs. Unit:
   * bytes. Default: -1 (SQLite's default: no limit).
   */
  journalSizeLimitBytes?: number;
  /** After each checkpoint the worker runs (in the worker's thread, reported here). */
  onStatus?: (status: CheckpointStatus) => void;
  /** Receives a failed checkpoint (never SQLITE_BUSY, which only means "try again later"). */
  onError?: (error: Error) => void;
  /** Runs if the worker ends by itself (it could not load the driver or open the file). */
  onExit?: () => void;
}

/** A running background checkpointer. */
export interface WalCheckpointer {
  /**
   * Asks for a checkpoint now; resolves once it has run (or at once if the worker is gone). The
   * event loop is free meanwhile: a bulk writer awaits this between its transactions so that
   * the WAL cannot outgrow what the worker copies back.
   */
  checkpoint(): Promise<void>;
  /**
   * Runs one write statement on the worker's connection, off the event loop, then a checkpoint.
   * Resolves with the rows it changed, or null when the worker is gone (the caller then writes
   * on its own connection); rejects with the driver's error. The worker waits up to a second
   * for the write lock.
   */
  write(sql: string, params: readonly (string | number | null)[]): Promise<number | null>;
  /** Stops the worker and closes its connection; resolves once the thread has exited. */
  stop(): Promise<void>;
}

/** Default {@link WalCheckpointerOptions.intervalMs}. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 200;

// The worker's body, as plain JavaScript run with `eval: true`: the same text works whether the
// package runs from dist/ or from its TypeScript sources (tests, through tsx), where a separate
// worker file would need a loader. better-sqlite3 is resolved from this module's location.
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const { path, from, intervalMs } = workerData;
// While the WAL keeps moving: soon enough to catch up between a steady writer's commits, and
// no more than 200 checkpoints (each with its fsync) a second.
const MOVING_INTERVAL_MS = 5;
const Database = createRequire(from)('better-sqlite3');
// A writer waits up to a second for the lock; PASSIVE checkpoints never wait, whatever this is.
const database = new Database(path, { fileMustExist: true, timeout: 1000 });
// As on the server's own connection: a commit here may be the one that starts the WAL over, and
// then this connection's limit is the one that cuts the file back.
database.pragma('journal_size_limit = ' + String(workerData.journalSizeLimitBytes));
database.pragma('foreign_keys = ON');
const statements = new Map();
let timer = null;
let stopped = false;
function checkpoint() {
  try {
    const row = database.pragma('wal_checkpoint(PASSIVE)')[0];
    const status = { busy: row.busy !== 0, log: row.log, checkpointed: row.checkpointed };
    // Only to an onStatus: otherwise each look, 200 a second while the WAL moves, would wake
    // the event loop for a message nobody reads.
    if (workerData.reportStatus) parentPort.postMessage({ type: 'status', ...status });
    return status;
  } catch (error) {
    // SQLITE_BUSY only means another connection is checkpointing: try again later.
    if (error && error.code !== 'SQLITE_BUSY') {
      parentPort.postMessage({
        type: 'error',
        message: String(error && error.message ? error.message : error),
        code: error && error.code ? String(error.code) : undefined,
      });
    }
    return null;
  }
}
function schedule(ms) {
  if (timer !== null) clearTimeout(timer);
  timer = stopped ? null : setTimeout(tick, ms);
}
let last = { log: -1, checkpointed: -1 };
function tick() {
  timer = null;
  const status = checkpoint();
  // The WAL moved since the last look (frames were added, copied, or the file started over):
  // come back soon, the writer may still be writing. The WAL only starts over when a writer
  // finds every frame copied, so a checkpointer that sleeps while frames pile up never catches
  // up with a steady writer: with 20 ms here, the WAL of test/stores/sqlite-checkpoint.test.ts
  // grew to 70 MB when other tests shared the CPUs. A WAL that has not moved (all copied, or held
  // by a reader) is looked at again after the interval: SQLite keeps reporting the copied frames
  // until the next write, so "copied some" alone would keep an idle server busy.
  const moved =
    status !== null && (status.log !== last.log || status.checkpointed !== last.checkpointed);
  if (status !== null) last = { log: status.log, checkpointed: status.checkpointed };
  schedule(moved ? Math.min(intervalMs, MOVING_INTERVAL_MS) : intervalMs);
}
function write(message) {
  try {
    let statement = statements.get(message.sql);
    if (statement === undefined) {
      statement = database.prepare(message.sql);
      statements.set(message.sql, statement);
    }
    const changes = statement.run(...message.params).changes;
    checkpoint();
    parentPort.postMessage({ type: 'written', id: message.id, changes });
  } catch (error) {
    parentPort.postMessage({
      type: 'write-failed',
      id: message.id,
      message: String(error && error.message ? error.message : error),
      code: error && error.code ? String(error.code) : undefined,
    });
  }
  schedule(intervalMs);
}
parentPort.on('message', (message) => {
  if (message.type === 'write') {
    if (stopped) parentPort.postMessage({ type: 'written', id: message.id, changes: null });
    else write(message);
    return;
  }
  if (message.type === 'checkpoint') {
    if (!stopped) checkpoint();
    parentPort.postMessage({ type: 'done', id: message.id });
    schedule(intervalMs);
    return;
  }
  if (message.type !== 'stop') return;
  stopped = true;
  if (timer !== null) clearTimeout(timer);
  try {
    database.close();
  } catch {
    // Closing only fails for a statement still running, and none is.
  }
  parentPort.close();
});
schedule(intervalMs);
`;

/**
 * Checkpoints the WAL of the SQLite file at `path` from a worker thread, through a connection of
 * its own, so that the copy of the WAL into the database file (and its fsyncs) never runs on the
 * event loop. PASSIVE checkpoints only: they never wait for, or hold up, the writer. The caller
 * turns SQLite's automatic checkpoints off on its own connections (`wal_autocheckpoint = 0`).
 * The worker is unref'd: it never keeps the process alive.
 */
export function startWalCheckpointer(
  path: string,
  options: WalCheckpointerOptions = {},
): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      from: import.meta.url,
      intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
      journalSizeLimitBytes: options.journalSizeLimitBytes ?? -1,
      reportStatus: options.onStatus !== undefined,
    },
  });
  worker.unref();
  const onError = options.onError ?? warnOnce();
  let stopping = false;
  let gone = false;
  let nextId = 0;
  const waiting = new Map<number, () => void>();
  const writing = new Map<
    number,
    { resolve: (changes: number | null) => void; reject: (error: Error) => void }
  >();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      gone = true;
      for (const resolveWaiting of waiting.values()) resolveWaiting();
      waiting.clear();
      for (const pending of writing.values()) pending.resolve(null);
      writing.clear();
      if (!stopping) options.onExit?.();
      resolve();
    });
  });
  worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'status':
        options.onStatus?.(message);
        return;
      case 'done': {
        const resolveWaiting = waiting.get(message.id);
        waiting.delete(message.id);
        resolveWaiting?.();
        return;
      }
      case 'written': {
        writing.get(message.id)?.resolve(message.changes);
        writing.delete(message.id);
        return;
      }
      case 'write-failed': {
        const error = driverError("SQLite write on the checkpointer's thread", message);
        writing.get(message.id)?.reject(error);
        writing.delete(message.id);
        return;
      }
      case 'error': {
        onError(driverError('SQLite WAL checkpoint failed', message));
        return;
      }
    }
  });
  // Without a listener, an error thrown in the worker (the driver missing, the file gone) would
  // be thrown again here, in the server's thread.
  worker.on('error', (error) => {
    onError(new Error(`SQLite WAL checkpointer stopped: ${error.message}`, { cause: error }));
  });
  return {
    checkpoint: () => {
      if (gone || stopping) return Promise.resolve();
      nextId += 1;
      const id = nextId;
      return new Promise<void>((resolve) => {
        waiting.set(id, resolve);
        worker.postMessage({ type: 'checkpoint', id });
      });
    },
    write: (sql, params) => {
      if (gone || stopping) return Promise.resolve(null);
      nextId += 1;
      const id = nextId;
      return new Promise<number | null>((resolve, reject) => {
        writing.set(id, { resolve, reject });
        // Held while a write is in flight, so that its caller's await is not cut short.
        worker.ref();
        worker.postMessage({ type: 'write', id, sql, params });
      }).finally(() => {
        if (writing.size === 0 && !stopping) worker.unref();
      });
    },
    stop: async () => {
      if (!stopping) {
        stopping = true;
        // Held while it winds down, so that a caller awaiting this in a process with nothing
        // else to do is not cut short (Node would exit with 13, the await unsettled).
        worker.ref();
        worker.postMessage({ type: 'stop' });
        // A checkpoint in progress finishes first; a stuck one is not waited for.
        const timer = setTimeout(() => void worker.terminate(), 2_000);
        timer.unref();
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}

type WorkerMessage =
  | ({ type: 'status' } & CheckpointStatus)
  | { type: 'done'; id: number }
  | { type: 'written'; id: number; changes: number | null }
  | { type: 'write-failed'; id: number; message: string; code?: string }
  | { type: 'error'; message: string; code?: string };

/** An error the worker reported, with the driver's code (SQLITE_BUSY, ...) kept on it. */
function driverError(what: string, reported: { message: string; code?: string }): Error {
  const error = new Error(`${what}: ${reported.message}`);
  if (reported.code !== undefined) Object.assign(error, { code: reported.code });
  return error;
}

function warnOnce(): (error: Error) => void {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    process.emitWarning(error.message, { code: 'LATCHKEY_SQLITE_CHECKPOINT' });
  };
}
