// Latchkey's standalone server with a probe beside it, for the benchmarks that must see inside
// the server's process: the server is started as `latchkey serve` starts it (startServer from
// latchkey/server, dist/, configured from the LATCHKEY_* environment, one JSON log line per
// request to standard output), and the benchmark that spawned this process asks, over Node's
// IPC channel:
//
//   { id, type: 'loop-reset' }   start a new event-loop delay record
//   { id, type: 'loop-report' }  the record so far (perf_hooks.monitorEventLoopDelay, 1 ms
//                                resolution), and the process's memory
//   { id, type: 'sweep', batchSize?, maxBatches?, untilEmpty? }
//                                SessionManager.deleteExpiredSessions in this process, with
//                                the options given (none: the defaults the server sweeps with),
//                                called again while a call deletes all it may (untilEmpty); the
//                                time of each call and of each batch (each store call)
//
// LATCHKEY_BENCH_SWEEP_INTERVAL_MS, when set, replaces the server's own sweep interval (10
// minutes), so that a benchmark longer than that is not swept behind its back. The server still
// sweeps once at start, as `latchkey serve` does.
//
// startServer does not hand out its SessionManager, so the sweep runs through stores of its own
// on the same SQLite file, opened in this process as the server opens its own: each batch goes
// to their checkpointer's thread as the server's would, and the server's read caches are
// emptied by each batch as they are by its own sweep (they see `PRAGMA data_version` change).
// Bench-only: it listens on loopback and obeys only its parent.
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { createJsonLogger, resolveServerConfig, startServer } from 'latchkey/server';
import { SessionManager } from 'latchkey/session';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import type { SessionStore } from 'latchkey/session';
import type { SqliteStores } from 'latchkey/stores/sqlite';

/** A request from the benchmark. */
export type ProbeRequest =
  | { id: number; type: 'loop-reset' }
  | { id: number; type: 'loop-report' }
  | { id: number; type: 'sweep'; batchSize?: number; maxBatches?: number; untilEmpty?: boolean };

/** The event-loop delay since the last reset, in milliseconds, and the process's memory. */
export interface LoopReport {
  maxMs: number;
  p99Ms: number;
  p50Ms: number;
  meanMs: number;
  rssBytes: number;
  /** The most the process's resident set has been since it started. */
  peakRssBytes: number;
  /** V8's heap: reserved, and in use. */
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** Memory held outside V8's heap by its objects (buffers; not SQLite's page cache). */
  externalBytes: number;
  /** The longest garbage collection pause since the reset, and how many took 20 ms or more. */
  gcMaxMs: number;
  gcPausesOver20Ms: number;
}

/** What a sweep did: each deleteExpiredSessions call, and each store call (batch) within. */
export interface SweepReport {
  deleted: number;
  calls: { deleted: number; ms: number }[];
  batchMs: number[];
  totalMs: number;
}

/**
 * Times each batch of the sweep, from the store call until it answers: on SQLite with background
 * checkpoints, the delete and the checkpoint after it on the checkpointer's thread, and the round
 * trip to it. How long the event loop itself was held is the loop delay, reported apart.
 */
function timeBatches(store: SessionStore, batchMs: () => number[]): SessionStore {
  const deleteExpired = store.deleteExpiredSessions.bind(store);
  store.deleteExpiredSessions = (now, limit) => {
    const started = performance.now();
    return deleteExpired(now, limit).finally(() => {
      batchMs().push(performance.now() - started);
    });
  };
  return store;
}

const config = resolveServerConfig({ flags: {}, env: process.env });
if (config.store.kind !== 'sqlite') throw new Error('the probe serves SQLite only');
const databasePath = config.store.path;
const sweepIntervalMs = process.env.LATCHKEY_BENCH_SWEEP_INTERVAL_MS;
const server = await startServer(config, {
  logger: createJsonLogger(),
  ...(sweepIntervalMs === undefined ? {} : { sweepIntervalMs: Number(sweepIntervalMs) }),
});
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
// Garbage collection pauses, to tell a stall of the collector from one of the store.
let gcMaxMs = 0;
let gcPausesOver20Ms = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMaxMs = Math.max(gcMaxMs, entry.duration);
    if (entry.duration >= 20) gcPausesOver20Ms += 1;
  }
}).observe({ entryTypes: ['gc'] });
let sweepStores: SqliteStores | null = null;
let sweepSessions: SessionManager | null = null;
let batchMs: number[] = [];

process.on('message', (message: ProbeRequest) => {
  void answer(message).then(
    (body) => process.send?.({ id: message.id, ok: true, body }),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: String(error) }),
  );
});
process.stdout.write(`listening on ${server.url}\n`);

const stop = (): void => {
  loop.disable();
  void sweepStores?.close();
  void server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
// The benchmark is gone: nobody will stop this server otherwise.
process.once('disconnect', stop);

async function answer(request: ProbeRequest): Promise<unknown> {
  switch (request.type) {
    case 'loop-reset':
      loop.reset();
      gcMaxMs = 0;
      gcPausesOver20Ms = 0;
      return null;
    case 'loop-report':
      return loopReport();
    case 'sweep':
      return sweep(request);
  }
}

function loopReport(): LoopReport {
  const ms = (nanoseconds: number): number => nanoseconds / 1e6;
  const memory = process.memoryUsage();
  return {
    maxMs: ms(loop.max),
    p99Ms: ms(loop.percentile(99)),
    p50Ms: ms(loop.percentile(50)),
    meanMs: ms(loop.mean),
    rssBytes: memory.rss,
    // resourceUsage reports it in KiB.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapTotalBytes: memory.heapTotal,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    gcMaxMs,
    gcPausesOver20Ms,
  };
}

async function sweep(options: {
  batchSize?: number;
  maxBatches?: number;
  untilEmpty?: boolean;
}): Promise<SweepReport> {
  // Opened as the server opens its own (its checkpoints included, when the store has them).
  sweepStores ??= openSqliteStores(databasePath);
  sweepSessions ??= new SessionManager(timeBatches(sweepStores.sessions, () => batchMs));
  const sessions = sweepSessions;
  batchMs = [];
  const sweepOptions = {
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
  };
  const mostPerCall = (options.batchSize ?? 100) * (options.maxBatches ?? 5_000);
  const calls: { deleted: number; ms: number }[] = [];
  const started = performance.now();
  for (;;) {
    const callStarted = performance.now();
    const deleted = await sessions.deleteExpiredSessions(sweepOptions);
    calls.push({ deleted, ms: performance.now() - callStarted });
    if (options.untilEmpty !== true || deleted < mostPerCall) break;
  }
  return {
    deleted: calls.reduce((sum, call) => sum + call.deleted, 0),
    calls,
    batchMs,
    totalMs: performance.now() - started,
  };
}
