// The raw Argon2id rate that a login is measured against: `verifyPassword` (or `hashPassword`)
// from latchkey/password (dist/, as the server runs it), with its default parameters (19 MiB,
// 2 passes, 1 lane), called back to back with a fixed number of calls in flight, in a process of
// its own with libuv's thread pool at its default size (4 threads, as the server has it), for
// a fixed time. Prints one JSON line (RawRate) and exits.
//
//   BENCH_RAW_OPERATION  verify (default) or hash
//   BENCH_RAW_SECONDS    how long to call, after a second of warm-up (default 10)
//   BENCH_RAW_IN_FLIGHT  calls in flight at once (default 8: twice the pool, so that it never
//                        waits for the event loop to hand it the next call)
import { performance } from 'node:perf_hooks';

import { hashPassword, verifyPassword } from 'latchkey/password';

/** What one run measured. */
export interface RawRate {
  operation: 'verify' | 'hash';
  calls: number;
  seconds: number;
  perSecond: number;
  inFlight: number;
  /** `UV_THREADPOOL_SIZE` as this process had it (null: libuv's default, 4). */
  threadPoolSize: string | null;
}

const operation = process.env.BENCH_RAW_OPERATION === 'hash' ? 'hash' : 'verify';
const seconds = Number(process.env.BENCH_RAW_SECONDS ?? 10);
const inFlight = Number(process.env.BENCH_RAW_IN_FLIGHT ?? 8);
// The same password the seeded accounts have (bench/login.ts): its length is what costs
// anything outside Argon2 itself (NFKC normalisation).
const PASSWORD = 'correct horse battery staple';

const stored = await hashPassword(PASSWORD);
const call =
  operation === 'hash'
    ? () => hashPassword(PASSWORD).then(() => true)
    : () => verifyPassword(stored, PASSWORD);

await runFor(1_000);
const started = performance.now();
const calls = await runFor(seconds * 1_000);
const elapsedSeconds = (performance.now() - started) / 1_000;

const rate: RawRate = {
  operation,
  calls,
  seconds: elapsedSeconds,
  perSecond: calls / elapsedSeconds,
  inFlight,
  threadPoolSize: process.env.UV_THREADPOOL_SIZE ?? null,
};
process.stdout.write(`${JSON.stringify(rate)}\n`);

/** Keeps `inFlight` calls going until `ms` have passed; counts the calls that finished. */
async function runFor(ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      if (!(await call())) throw new Error('argon2-raw: the password did not verify');
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done;
}
