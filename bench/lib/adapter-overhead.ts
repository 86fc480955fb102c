import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { load, startTarget } from './http-load.js';
import { logIn } from './latchkey-targets.js';
import { describeMachine } from './machine.js';
import { describeMachineAndLoad } from './report.js';
import { writeResults } from './results.js';
import { median, quantile } from './stats.js';
import { formatMarkdownTable, formatOpsPerSecond, formatTable } from './table.js';
import { describeLoadGenerator } from './wrk-load.js';

import type { LoadResult, Target } from './http-load.js';

/**
 * One framework's app, started by commands that print `listening on http://...`: without
 * authentication (the baseline), and with Latchkey's adapter guarding the same route, either
 * one command or one per store (named in the report). The Latchkey apps serve the auth routes
 * under /auth.
 */
export interface FrameworkTargets {
  framework: string;
  bare: readonly string[];
  latchkey: readonly string[] | readonly { store: string; command: readonly string[] }[];
}

/** The same, under the name the first benchmarks used. */
export type AdapterPair = FrameworkTargets;

/** Settings, from the environment so that a quick run is one variable away. */
export const OVERHEAD_SETTINGS = {
  /** Interleaved rounds; each round loads every target once. `BENCH_ROUNDS`, default 5. */
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  /** Length of one load run, in seconds. `BENCH_SECONDS`, default 5. */
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 5),
  /** Concurrent connections, the same for every target. `BENCH_CONNECTIONS`, default 50. */
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  /** Load before timing, per target, so that the JIT has warmed up. Seconds, default 3. */
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 3),
};

interface Subject {
  framework: string;
  name: string;
  url: string;
  cookie: string | null;
  baseline: boolean;
}

/**
 * Loads `GET /api/secure-data` on every target over loopback with autocannon: once untimed to
 * warm up, then in interleaved rounds (the order reversed every other round, so that drift in
 * the machine falls on every target alike). Prints each target's median requests per second
 * and its ratio to the same framework without authentication (1.00: no overhead), with the
 * quartiles of the per-round ratios. Each Latchkey target gets a folder of its own
 * (`LATCHKEY_DATA_DIR`) and a registered user whose cookie every request carries.
 */
export async function measureAdapterOverhead(
  benchName: string,
  frameworks: readonly FrameworkTargets[],
  options: { markdown: boolean },
): Promise<void> {
  const settings = OVERHEAD_SETTINGS;
  const dataDir = mkdtempSync(join(tmpdir(), `latchkey-${benchName}-`));
  const started: Target[] = [];
  try {
    const subjects: Subject[] = [];
    for (const { framework, bare, latchkey } of frameworks) {
      const baseline = await startTarget(`${framework}, no auth`, bare);
      started.push(baseline);
      subjects.push({
        framework,
        name: baseline.name,
        url: baseline.url,
        cookie: null,
        baseline: true,
      });
      for (const { store, command } of variants(latchkey)) {
        const env = { LATCHKEY_DATA_DIR: join(dataDir, String(subjects.length)) };
        const name = `${framework} + Latchkey${store === null ? '' : `, ${store}`}`;
        const target = await startTarget(name, command, env);
        started.push(target);
        const cookie = await logIn(target.url);
        await checkSameAnswer(baseline.url, target.url, cookie);
        subjects.push({ framework, name: target.name, url: target.url, cookie, baseline: false });
      }
    }
    for (const subject of subjects) await loadOnce(subject, settings.warmupSeconds);

    const samples = new Map<string, LoadResult[]>();
    for (let round = 0; round < settings.rounds; round += 1) {
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const subject of order) {
        const result = await loadOnce(subject, settings.durationSeconds);
        samples.set(subject.name, [...(samples.get(subject.name) ?? []), result]);
        const perSecond = Math.round(result.requestsPerSecond);
        process.stderr.write(`round ${round + 1}: ${subject.name}: ${perSecond} req/s\n`);
      }
    }
    report(benchName, summarize(subjects, samples), options.markdown);
  } finally {
    for (const target of started) await target.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function variants(
  latchkey: FrameworkTargets['latchkey'],
): { store: string | null; command: readonly string[] }[] {
  const list: readonly (string | { store: string; command: readonly string[] })[] = latchkey;
  if (list.every((item) => typeof item === 'string')) return [{ store: null, command: list }];
  return list.filter((item) => typeof item !== 'string');
}

async function loadOnce(subject: Subject, durationSeconds: number): Promise<LoadResult> {
  const result = await load(`${subject.url}/api/secure-data`, {
    connections: OVERHEAD_SETTINGS.connections,
    durationSeconds,
    ...(subject.cookie === null ? {} : { headers: { cookie: subject.cookie } }),
  });
  if (result.failures > 0) throw new Error(`${subject.name}: ${result.failures} failed requests`);
  return result;
}

/** Both routes must answer 200 with the same JSON shape, or the comparison means nothing. */
async function checkSameAnswer(bareUrl: string, latchkeyUrl: string, cookie: string) {
  const bare = await fetch(`${bareUrl}/api/secure-data`);
  const guarded = await fetch(`${latchkeyUrl}/api/secure-data`, { headers: { cookie } });
  const anonymous = await fetch(`${latchkeyUrl}/api/secure-data`);
  const bareBody: unknown = await bare.json();
  const guardedBody: unknown = await guarded.json();
  await anonymous.arrayBuffer();
  if (bare.status !== 200 || guarded.status !== 200 || anonymous.status !== 401) {
    throw new Error(`unexpected statuses ${bare.status}, ${guarded.status}, ${anonymous.status}`);
  }
  if (JSON.stringify(shape(bareBody)) !== JSON.stringify(shape(guardedBody))) {
    throw new Error('the two routes answer JSON of different shapes');
  }
}

/** A JSON value with every leaf replaced by its type: what two answers must share. */
function shape(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
}

interface Row {
  name: string;
  requestsPerSecond: number;
  ratioToBare: number;
  ratioQuartiles: [number, number];
  p99Ms: number;
}

function summarize(subjects: readonly Subject[], samples: Map<string, LoadResult[]>): Row[] {
  return subjects.map((subject) => {
    const own = samples.get(subject.name) ?? [];
    const baselineName = subjects.find(
      (s) => s.framework === subject.framework && s.baseline,
    )?.name;
    const bare = samples.get(baselineName ?? '') ?? [];
    const ratios = own.map((r, i) => r.requestsPerSecond / (bare[i]?.requestsPerSecond ?? NaN));
    const requestsPerSecond = median(own.map((r) => r.requestsPerSecond));
    return {
      name: subject.name,
      requestsPerSecond,
      ratioToBare: requestsPerSecond / median(bare.map((r) => r.requestsPerSecond)),
      ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
      p99Ms: median(own.map((r) => r.p99Ms)),
    };
  });
}

function report(benchName: string, rows: readonly Row[], markdown: boolean): void {
  const table = [
    ['target', 'req/s (median)', '× no auth', 'quartiles', 'p99 ms'],
    ...rows.map((row) => [
      row.name,
      formatOpsPerSecond(row.requestsPerSecond),
      row.ratioToBare.toFixed(2),
      row.ratioQuartiles.map((value) => value.toFixed(2)).join('–'),
      row.p99Ms.toFixed(1),
    ]),
  ];
  const numeric = [false, true, true, true, true];
  process.stdout.write(`${formatTable(table, numeric)}\n`);
  if (markdown) process.stdout.write(`\n${formatMarkdownTable(table, numeric)}\n`);
  const machine = describeMachine();
  const path = writeResults(benchName, {
    machine,
    loadGenerator: describeLoadGenerator(),
    settings: OVERHEAD_SETTINGS,
    rows,
  });
  process.stdout.write(`\n${describeMachineAndLoad(machine)}; ${path}\n`);
}
