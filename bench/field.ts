// Latchkey against the field: authenticated requests per second on `GET /api/secure-data`, the
// same small JSON answer everywhere, for Latchkey's server (SQLite, and PostgreSQL and Redis
// when they answer), Latchkey's Express, Hono and node:http adapters, express-session (its
// MemoryStore, and connect-redis), iron-session and better-auth (SQLite), each against the bare
// node:http ceiling measured in the same run:
//
//   npm run build && node --import tsx bench/field.ts [--markdown]
//
// Every target runs in a process of its own on 127.0.0.1 (bench/targets/), with
// NODE_ENV=production. The benchmark logs a fresh user in to each, checks that each answers 200
// with the cookie (for that user, in the agreed shape) and 401 without, warms each up, then
// times them in rounds: every round loads every target once with autocannon, the same
// connection count and duration for all, the order rotating and reversing from round to round.
// Medians over the rounds are reported as ratios to the ceiling and to express-session's
// MemoryStore. Results go to bench/results/field.json; the chart to docs/benchmarks-field.svg
// (bench/results/field.svg in a quick run).
//
// BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS change the run (defaults
// 5, 5, 50, 3; with BENCH_QUICK=1: 2, 2, 50, 1). PostgreSQL and Redis are the shared servers the
// tests use (LATCHKEY_TEST_POSTGRES_URL, LATCHKEY_TEST_REDIS_URL), each used under a schema or
// key prefix of this run's own, removed at the end; nothing is flushed.
//
// BENCH_BASELINE_ROOT names another built tree (a `git worktree` of an earlier commit, with
// `npm run build` run there): its server is started beside this one's on every store, named
// "(baseline)", and measured in the same rounds, for a before/after in one run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkAnswers } from './lib/answer-check.js';
import { drawBarChart } from './lib/bar-chart.js';
import { cleanUpOnce } from './lib/clean-up.js';
import { EXPRESS_SESSION_MEMORY, fieldTargets, libraryVersions } from './lib/field-targets.js';
import { load, startTarget } from './lib/http-load.js';
import { openSharedStores } from './lib/latchkey-targets.js';
import { describeMachine } from './lib/machine.js';
import { ownCpuSecondsWithChildren, processCpuSeconds } from './lib/process-cpu.js';
import { reserveRedisPrefix } from './lib/redis-prefix.js';
import { describeMachineAndLoad } from './lib/report.js';
import { RESULTS_DIR, writeResults } from './lib/results.js';
import { describeSource } from './lib/source.js';
import { median, quantile } from './lib/stats.js';
import { formatMarkdownTable, formatOpsPerSecond, formatTable } from './lib/table.js';
import { describeLoadGenerator } from './lib/wrk-load.js';

import type { Family, Session } from './lib/field-targets.js';
import type { Target } from './lib/http-load.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5)),
  durationSeconds: Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5)),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? (QUICK ? 1 : 3)),
  baselineRoot: process.env.BENCH_BASELINE_ROOT ?? null,
};
const CHART_PATH = QUICK
  ? join(RESULTS_DIR, 'field.svg')
  : join(ROOT, 'docs', 'benchmarks-field.svg');
// The goals of issue 7, as ratios to the ceiling, drawn on the chart.
const GOALS = { sqlite: 0.8, redis: 0.6, timesExpressSession: 5 };

interface Running {
  name: string;
  family: Family;
  target: Target;
  session: Session | null;
}

interface Sample {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  /** CPU time the target's process used per successful request, in microseconds. */
  serverCpuMicrosPerRequest: number | null;
  /** The load generator's CPU time over the run (autocannon's or wrk's), as a share of a CPU. */
  loadGeneratorCpuShare: number;
}

// Nothing better-auth could send telemetry to, in any target: without an endpoint its telemetry
// package has nowhere to post (see bench/targets/better-auth.ts).
delete process.env.BETTER_AUTH_TELEMETRY_ENDPOINT;
delete process.env.BETTER_AUTH_TELEMETRY_DEBUG;

const startedAt = new Date();
const loadBefore = loadavg();
// Taken before the run: src/ may change while it lasts, and dist/ was built before it began.
const source = describeSource(ROOT);
const baselineSource =
  SETTINGS.baselineRoot === null ? null : describeSource(SETTINGS.baselineRoot);
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-field-'));
const shared = await openSharedStores();
const redis = await reserveRedisPrefix('field_connect_redis');
if (redis === null) process.stderr.write('Redis not reachable: connect-redis left out\n');
const running: Running[] = [];

const cleanUp = cleanUpOnce(
  async () => {
    for (const { target } of running) await target.stop();
    await shared.cleanUp();
    await redis?.cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
  },
  { announce: 'stopping the targets and cleaning up' },
);

try {
  const targets = fieldTargets({
    root: ROOT,
    dataDir,
    latchkeyStores: shared.stores,
    redis,
    baselineRoot: SETTINGS.baselineRoot,
  });
  for (const spec of targets) {
    const target = await startTarget(spec.name, spec.command, spec.env);
    running.push({ name: spec.name, family: spec.family, target, session: null });
    const session = spec.logIn === null ? null : await spec.logIn(target.url);
    await checkAnswers(target.url, session).catch((error: unknown) => {
      throw new Error(`${spec.name}: ${String(error)}`);
    });
    running[running.length - 1]!.session = session;
    process.stderr.write(`started and checked: ${spec.name} (${target.url})\n`);
  }

  for (const subject of running) await measure(subject, SETTINGS.warmupSeconds);

  const samples = new Map<string, Sample[]>(running.map(({ name }) => [name, []]));
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    for (const subject of roundOrder(running, round)) {
      const sample = await measure(subject, SETTINGS.durationSeconds);
      samples.get(subject.name)!.push(sample);
      process.stderr.write(
        `round ${round + 1}/${SETTINGS.rounds}: ${subject.name}: ` +
          `${formatOpsPerSecond(sample.requestsPerSecond)} req/s` +
          (sample.failures > 0 ? `, ${sample.failures} FAILED` : '') +
          '\n',
      );
    }
  }

  // Still the same answers after the load: nobody was logged out on the way.
  for (const { name, target, session } of running) {
    await checkAnswers(target.url, session).catch((error: unknown) => {
      throw new Error(`${name}, after the timed runs: ${String(error)}`);
    });
  }

  const rows = summarize(running, samples);
  report(rows);
  const failed = rows.filter((row) => row.failures > 0);
  if (failed.length > 0) {
    process.stderr.write(
      `VOID: failed requests on ${failed.map((row) => row.name).join(', ')}; ` +
        'their numbers do not count\n',
    );
    process.exitCode = 1;
  }
} finally {
  await cleanUp();
}

/**
 * Round 0 runs the targets in their listed order; each later round starts one target further
 * on, and every other round runs backwards, so that no target always follows the same one or
 * always runs at the same point of the run.
 */
function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return round % 2 === 0 ? rotated : rotated.reverse();
}

async function measure(subject: Running, durationSeconds: number): Promise<Sample> {
  const pid = subject.target.process.pid ?? -1;
  const serverBefore = processCpuSeconds(pid);
  const generatorBefore = loadGeneratorCpuSeconds();
  const result = await load(`${subject.target.url}/api/secure-data`, {
    connections: SETTINGS.connections,
    durationSeconds,
    ...(subject.session === null ? {} : { headers: { cookie: subject.session.cookie } }),
  });
  const generatorAfter = loadGeneratorCpuSeconds();
  const serverAfter = processCpuSeconds(pid);
  const requests = result.requestsPerSecond * durationSeconds;
  return {
    ...result,
    serverCpuMicrosPerRequest:
      serverBefore === null || serverAfter === null || requests === 0
        ? null
        : ((serverAfter - serverBefore) * 1e6) / requests,
    loadGeneratorCpuShare: (generatorAfter - generatorBefore) / durationSeconds,
  };
}

/**
 * The CPU time the load generator has used so far, in seconds: this process's, with that of the
 * children it waited for (wrk, when it drives the load), or without them where there is no /proc.
 */
function loadGeneratorCpuSeconds(): number {
  const withChildren = ownCpuSecondsWithChildren();
  if (withChildren !== null) return withChildren;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

interface Row {
  name: string;
  family: Family;
  requestsPerSecond: number;
  ratioToCeiling: number;
  /** 25th and 75th percentiles of the per-round ratios to the ceiling. */
  ratioQuartiles: [number, number];
  ratioToExpressSession: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMicrosPerRequest: number | null;
  loadGeneratorCpuShare: number;
  /** Length of the `Cookie` header every request carries; 0 for the ceiling. */
  cookieBytes: number;
  failures: number;
  samples: Sample[];
}

function summarize(subjects: readonly Running[], samples: Map<string, Sample[]>): Row[] {
  const ceiling = samples.get(subjects[0]!.name)!;
  const ceilingRps = median(ceiling.map((s) => s.requestsPerSecond));
  const expressSession = samples.get(EXPRESS_SESSION_MEMORY) ?? [];
  const expressSessionRps = median(expressSession.map((s) => s.requestsPerSecond));
  return subjects.map(({ name, family, session }) => {
    const own = samples.get(name)!;
    const rps = median(own.map((s) => s.requestsPerSecond));
    const perRound = own.map((s, i) => s.requestsPerSecond / ceiling[i]!.requestsPerSecond);
    const cpu = own.map((s) => s.serverCpuMicrosPerRequest);
    return {
      name,
      family,
      requestsPerSecond: rps,
      ratioToCeiling: rps / ceilingRps,
      ratioQuartiles: [quantile(perRound, 0.25), quantile(perRound, 0.75)],
      ratioToExpressSession: rps / expressSessionRps,
      p50Ms: median(own.map((s) => s.p50Ms)),
      p99Ms: median(own.map((s) => s.p99Ms)),
      serverCpuMicrosPerRequest: cpu.includes(null) ? null : median(cpu as number[]),
      loadGeneratorCpuShare: median(own.map((s) => s.loadGeneratorCpuShare)),
      cookieBytes: session === null ? 0 : Buffer.byteLength(session.cookie),
      failures: own.reduce((sum, s) => sum + s.failures, 0),
      samples: own,
    };
  });
}

function report(rows: readonly Row[]): void {
  const table = [
    [
      'target',
      'req/s (median)',
      '× ceiling',
      'quartiles',
      '× express-session',
      'p99 ms',
      'server CPU µs/req',
    ],
    ...rows.map((row) => [
      row.failures > 0 ? `${row.name} (VOID)` : row.name,
      formatOpsPerSecond(row.requestsPerSecond),
      row.ratioToCeiling.toFixed(2),
      row.ratioQuartiles.map((value) => value.toFixed(2)).join('–'),
      row.ratioToExpressSession.toFixed(2),
      row.p99Ms.toFixed(1),
      row.serverCpuMicrosPerRequest === null ? '–' : row.serverCpuMicrosPerRequest.toFixed(0),
    ]),
  ];
  const numeric = [false, true, true, true, true, true, true];
  process.stdout.write(`${formatTable(table, numeric)}\n`);
  if (process.argv.includes('--markdown')) {
    process.stdout.write(`\n${formatMarkdownTable(table, numeric)}\n`);
  }

  const machine = describeMachine();
  const finishedAt = new Date();
  const path = writeResults('field', {
    machine,
    settings: { ...SETTINGS, quick: QUICK },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    loadAverage: { before: loadBefore, after: loadavg() },
    loadGenerator: describeLoadGenerator(),
    source,
    ...(baselineSource === null ? {} : { baselineSource }),
    versions: libraryVersions(ROOT),
    rows,
  });
  writeFileSync(CHART_PATH, chart(rows, machine, finishedAt));
  const minutes = ((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1);
  process.stdout.write(
    `\n${describeMachineAndLoad(machine)}; ` +
      `load average ${loadBefore.map((v) => v.toFixed(1)).join(' ')} before, ` +
      `${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')} after; ${minutes} min\n${path}\n${CHART_PATH}\n`,
  );
}

function chart(rows: readonly Row[], machine: ReturnType<typeof describeMachine>, at: Date) {
  const expressSession = rows.find((row) => row.name === EXPRESS_SESSION_MEMORY);
  return drawBarChart({
    title: 'Authenticated GET /api/secure-data: requests per second, as a ratio to node:http',
    subtitle: [
      `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.os}; ` +
        at.toISOString().slice(0, 10),
      `${describeLoadGenerator()}, ${SETTINGS.connections} connections, ` +
        `medians of ${plural(SETTINGS.rounds, 'round')} of ${SETTINGS.durationSeconds} s; ` +
        'the load generator shares the machine',
    ],
    bars: rows.map((row) => ({
      label: row.name,
      value: row.ratioToCeiling,
      note:
        `${row.ratioToCeiling.toFixed(2)}  (${formatOpsPerSecond(row.requestsPerSecond)} req/s)` +
        (row.failures > 0 ? ' VOID' : ''),
      family: row.family,
    })),
    markers: [
      {
        value: GOALS.redis,
        label: `issue 7 goal, Latchkey server on Redis: ${GOALS.redis.toFixed(2)}`,
      },
      {
        value: GOALS.sqlite,
        label: `issue 7 goal, Latchkey server on SQLite: ${GOALS.sqlite.toFixed(2)}`,
      },
      ...(expressSession === undefined
        ? []
        : [
            {
              value: GOALS.timesExpressSession * expressSession.ratioToCeiling,
              label: `issue 7 goal: ${GOALS.timesExpressSession} × express-session (MemoryStore)`,
            },
          ]),
    ],
    axisLabel: 'requests per second ÷ the ceiling’s, in the same run (1.0 = no cost at all)',
  });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
