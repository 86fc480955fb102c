// Every benchmark, one after another, within one time limit: what `npm run bench` runs.
//
//   node --import tsx bench/run.ts [name ...] [--markdown]   # e.g. `npm run bench -- field`
//
// First `npm run build` (the server and adapter benchmarks run dist/, as an application
// would), then the steps below in order; names on the command line run only those steps, and
// options (--markdown: print each table as Markdown too) are passed on to every benchmark.
// Each step is a process of its own, in a process group of its own, so that when the time
// limit comes the step and every server it started can be stopped: SIGTERM first (the
// benchmarks then stop their servers and remove what they wrote to the shared PostgreSQL and
// Redis), SIGKILL to the whole group 15 s later. A failed step does not stop the next ones;
// the exit code says whether all passed.
//
// Environment:
//   BENCH_QUICK=1              a short smoke run: fewer, shorter rounds where a benchmark
//                              takes settings (the field's chart then goes to bench/results/)
//   BENCH_TIME_LIMIT_MINUTES   the limit for the whole run (default 40; 10 with BENCH_QUICK=1)
//   BENCH_SKIP_BUILD=1         use dist/ as it is
// and whatever each benchmark reads (BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS, ...).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatTable } from './lib/table.js';

import type { ChildProcess } from 'node:child_process';

interface Step {
  name: string;
  command: readonly string[];
  /** Settings for a quick run, where the benchmark reads any. */
  quickEnv: Record<string, string>;
}

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const TIME_LIMIT_MS = Number(process.env.BENCH_TIME_LIMIT_MINUTES ?? (QUICK ? 10 : 40)) * 60_000;
// How long a step has, after SIGTERM, to stop its servers and clean up.
const GRACE_MS = 15_000;

const tsx = (file: string): string[] => [
  process.execPath,
  '--import',
  'tsx',
  join(ROOT, 'bench', file),
];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const STEPS: Step[] = [
  { name: 'build', command: [npm, 'run', 'build', '--silent'], quickEnv: {} },
  { name: 'cookie', command: tsx('cookie.ts'), quickEnv: {} },
  { name: 'stores', command: tsx('stores.ts'), quickEnv: {} },
  {
    name: 'server-stores',
    command: tsx('server-stores.ts'),
    quickEnv: { BENCH_ROUNDS: '1', BENCH_SECONDS: '2' },
  },
  // The field bench reads BENCH_QUICK itself (2 rounds of 2 s, 1 s of warm-up).
  { name: 'field', command: tsx('field.ts'), quickEnv: {} },
  // These read BENCH_QUICK themselves too (fewer, shorter rounds; 100,000 sessions for scale and
  // sweep instead of 1,000,000).
  { name: 'login', command: tsx('login.ts'), quickEnv: {} },
  { name: 'login-storm', command: tsx('login-storm.ts'), quickEnv: {} },
  { name: 'scale', command: tsx('scale.ts'), quickEnv: {} },
  { name: 'renewals', command: tsx('renewals.ts'), quickEnv: {} },
  { name: 'sweep', command: tsx('sweep.ts'), quickEnv: {} },
];

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const options = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const unknown = wanted.filter((name) => !STEPS.some((step) => step.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown step ${unknown.join(', ')}; the steps are ${STEPS.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}
const steps = STEPS.filter(
  (step) =>
    (wanted.length === 0 || wanted.includes(step.name)) &&
    !(step.name === 'build' && process.env.BENCH_SKIP_BUILD === '1'),
);

let current: ChildProcess | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (current !== null) stopGroup(current);
    process.exitCode = 130;
  });
}

const started = Date.now();
const deadline = started + TIME_LIMIT_MS;
const outcomes: { name: string; outcome: string; seconds: number }[] = [];
for (const step of steps) {
  const remaining = deadline - Date.now();
  if (remaining <= 0 || process.exitCode === 130) {
    outcomes.push({ name: step.name, outcome: 'skipped: no time left', seconds: 0 });
    continue;
  }
  process.stdout.write(`\n== ${step.name}: ${step.command.slice(1).join(' ')}\n`);
  const stepStart = Date.now();
  const outcome = await runStep(step, remaining);
  outcomes.push({ name: step.name, outcome, seconds: (Date.now() - stepStart) / 1000 });
  if (outcome !== 'passed') process.exitCode ??= 1;
}

process.stdout.write(
  `\n${formatTable(
    [
      ['step', 'outcome', 'seconds'],
      ...outcomes.map((o) => [o.name, o.outcome, o.seconds.toFixed(0)]),
    ],
    [false, false, true],
  )}\n`,
);
process.stdout.write(
  `total ${((Date.now() - started) / 60_000).toFixed(1)} min ` +
    `(limit ${TIME_LIMIT_MS / 60_000} min${QUICK ? ', quick' : ''})\n`,
);

/** Runs one step, stopping it when `timeLimitMs` has passed; says how it ended. */
function runStep(step: Step, timeLimitMs: number): Promise<string> {
  const [program = process.execPath, ...args] = step.command;
  if (step.name !== 'build') args.push(...options);
  const child = spawn(program, args, {
    cwd: ROOT,
    env: { ...process.env, ...(QUICK ? step.quickEnv : {}) },
    stdio: 'inherit',
    detached: true,
  });
  current = child;
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(`${step.name}: over the time limit, stopping it\n`);
      stopGroup(child);
    }, timeLimitMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      current = null;
      resolve(`failed to start: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      current = null;
      // Whatever the step left running in its group (a server it failed to stop) goes too.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      if (timedOut) resolve('stopped at the time limit');
      else if (code === 0) resolve('passed');
      else resolve(`failed (${code === null ? String(signal) : `exit ${code}`})`);
    });
  });
}

/** SIGTERM to the step's process group, then SIGKILL to whatever of it is left. */
function stopGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => {
    signalGroup(pid, 'SIGKILL');
  }, GRACE_MS).unref();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already gone.
  }
}
