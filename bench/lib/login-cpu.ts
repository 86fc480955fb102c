import { availableParallelism } from 'node:os';

import { ownCpuSecondsWithChildren, threadCpuSeconds } from './process-cpu.js';

/**
 * Where the CPU of a run of logins went, per login, in milliseconds: the server's hashing
 * threads, its event loop, its other threads (V8's helpers, the SQLite checkpointer), and the
 * load generator (the benchmark's own process, with wrk when it runs as a child). Every
 * millisecond not spent hashing is one a raw run of verifications would have hashed with.
 */
export interface LoginCpu {
  hashingMs: number;
  eventLoopMs: number;
  otherThreadsMs: number;
  loadGeneratorMs: number;
}

/** CPU counters read at one moment: the server's threads, and this process with its children. */
export interface CpuReading {
  threads: Map<number, number>;
  own: number;
}

/** Reads the counters; null where there is no /proc (not Linux). */
export function readCpu(serverPid: number): CpuReading | null {
  const threads = threadCpuSeconds(serverPid);
  const own = ownCpuSecondsWithChildren();
  return threads === null || own === null ? null : { threads, own };
}

/**
 * The split between two readings taken around `logins` logins. The hashing threads are the
 * server's busiest threads other than its main one, as many as it has CPUs (the size of its
 * hash pool): during a run of logins they are busy all the time, every other thread now and
 * then. A thread that started and ended between the readings is not counted.
 */
export function loginCpu(
  serverPid: number,
  before: CpuReading,
  after: CpuReading,
  logins: number,
): LoginCpu {
  const used = [...after.threads].map(([tid, seconds]) => ({
    tid,
    seconds: seconds - (before.threads.get(tid) ?? 0),
  }));
  const main = used.find((thread) => thread.tid === serverPid)?.seconds ?? 0;
  const others = used.filter((thread) => thread.tid !== serverPid);
  others.sort((a, b) => b.seconds - a.seconds);
  const hashing = others.slice(0, availableParallelism());
  const rest = others.slice(availableParallelism());
  const sum = (threads: readonly { seconds: number }[]) =>
    threads.reduce((total, thread) => total + thread.seconds, 0);
  const perLoginMs = (seconds: number) => (seconds * 1_000) / Math.max(1, logins);
  return {
    hashingMs: perLoginMs(sum(hashing)),
    eventLoopMs: perLoginMs(main),
    otherThreadsMs: perLoginMs(sum(rest)),
    loadGeneratorMs: perLoginMs(after.own - before.own),
  };
}
