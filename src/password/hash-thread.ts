/**
 * The script each hashing thread runs (`HashPool` starts them), and the data it is started
 * with. Kept apart from the pool: what runs on the thread, and how it decides to pair answers.
 */

// Each worker runs Argon2 synchronously, one job after another, taking the next from its own
// message queue as soon as it finishes: the main thread only posts jobs and reads results, so
// a busy event loop does not slow hashing down. On Linux each worker lowers its own thread's
// priority (nice 19, the lowest; on Linux a thread's nice value is its own): when hashing and
// requests compete for CPUs, requests win, and hashing takes every cycle they leave. At nice 10,
// the p99 of reads during a login storm (bench/login-storm.ts) was 1.6 to 2.1 times its idle
// value; at 19, 1.17 to 1.26 times, with the same logins per second. The price: beside a thread of
// nice 0 that never sleeps (an event loop at full load, another program), a hash gets about
// 1.4% of that CPU instead of 10%, so on a machine out of CPU, logins wait longest.
//
// A thread that finishes a job while another of the same cost waits in its queue hashes that
// one too before it answers, and sends both results at once (never more than two). Under a
// login storm the event loop then wakes once for two logins and runs the second while its caches
// are warm from the first: 0.78 ms of event loop a login instead of 1.22, and logins at 0.943 of
// the raw hash rate instead of 0.835, in one run (docs/benchmarks.md). The price is latency: the
// first result waits one more hash (about 11 ms at the default cost on a 2-CPU machine). So a
// thread pairs only when it has just hashed at full speed (within PAIRED_SLOWDOWN of the fastest
// it hashed at that cost before, never on its first hash at a cost) and that cost is cheap
// (PAIRED_HASH_MAX_MS): a thread starved of CPU by other work, whose next hash could take far
// longer, answers each job at once. A thread whose queue is empty when it finishes answers at
// once. Should a thread die holding a result, its jobs run again elsewhere (see HashPool).
export const HASH_THREAD_SOURCE = `
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
let argon2;
try {
  argon2 = require(workerData.argon2);
} catch (error) {
  parentPort.postMessage({ unavailable: String(error && error.message || error) });
  process.exit(0);
}
if (process.platform === 'linux') {
  try { require('node:os').setPriority(workerData.nice); } catch {}
}
const run = ({ id, job }) => {
  try {
    const value = job.op === 'hash'
      ? argon2.hashSync(job.password, job.options)
      : argon2.verifySync(job.hash, job.password);
    return { id, ok: true, value };
  } catch (error) {
    return { id, ok: false, message: String(error && error.message || error) };
  }
};
// The fastest this thread has hashed at each cost, in milliseconds (a few costs at most). A job
// the library refused (a malformed hash, in microseconds) is not a hash, and does not count.
const fastest = new Map();
const timed = (message) => {
  const cost = message.job.cost;
  const started = performance.now();
  const result = run(message);
  const took = performance.now() - started;
  const known = fastest.get(cost);
  const record = known === undefined ? fastest.size < 16 : took < known;
  if (result.ok && record) fastest.set(cost, took);
  // Against a time measured before this hash: a thread's first hash at a cost may be a starved one.
  const fullSpeed = known !== undefined && known <= workerData.pairedHashMaxMs &&
    took <= known * workerData.pairedSlowdown;
  return { result, cost, fullSpeed };
};
parentPort.on('message', (message) => {
  const first = timed(message);
  const waiting = first.fullSpeed && !message.alone ? receiveMessageOnPort(parentPort) : undefined;
  if (waiting === undefined) {
    parentPort.postMessage([first.result]);
  } else if (!waiting.message.alone && waiting.message.job.cost === first.cost) {
    parentPort.postMessage([first.result, timed(waiting.message).result]);
  } else {
    parentPort.postMessage([first.result]);
    parentPort.postMessage([timed(waiting.message).result]);
  }
});
`;

/**
 * How much slower than its fastest at that cost a thread may have hashed and still pair its
 * answer with the next job's. During a storm a hash shares its CPU with the event loop and takes
 * longer now and then: at 1.5, threads paired less often, and the event loop spent 0.95 ms a
 * login instead of 0.78 at 3 (bench/login.ts). A thread starved by work of normal priority gets
 * about 1.4% of a CPU, and hashes tens of times slower than its fastest.
 */
const PAIRED_SLOWDOWN = 3;

/**
 * Hashes slower than this at their fastest are never paired: the event loop saves the same
 * fraction of a millisecond a login whatever the cost, and the wait for a partner grows with it
 * (a second at the largest cost allowed). Unit: milliseconds.
 */
const PAIRED_HASH_MAX_MS = 50;

/** How much lower than the event loop hashing threads run, on Linux. */
const HASHING_NICE = 19;

/** The `workerData` {@link HASH_THREAD_SOURCE} reads: where Argon2 is, and its settings. */
export function hashThreadData(argon2: string | null): {
  argon2: string | null;
  nice: number;
  pairedSlowdown: number;
  pairedHashMaxMs: number;
} {
  return {
    argon2,
    nice: HASHING_NICE,
    pairedSlowdown: PAIRED_SLOWDOWN,
    pairedHashMaxMs: PAIRED_HASH_MAX_MS,
  };
}
