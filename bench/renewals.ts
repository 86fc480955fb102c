// Does a server keep its read cache while sessions renew? Authenticated `GET /api/secure-data`
// per second on `latchkey serve` (SQLite) over a few thousand active sessions, when their
// renewals fall due during the load, against the same sessions with none due, in one run.
//
//   npm run build && node --import tsx bench/renewals.ts [--markdown]
//
// A session is renewed (its idle expiry slid forward, its cookie sent again) on its first
// request once the renewal interval (60 s by default) has passed since it was last seen: a
// server with N active sessions renews about N a minute. BENCH_SESSIONS sessions (default 5,000:
// half the server's read cache) are seeded once (bench/lib/seed-sessions.ts: four per user, none
// due for renewal). Each load then starts a server of its own on a fresh copy of that file, in
// one of two states: "renewing", where each session was last seen between 0 and 60 s before the
// load began, so that renewals fall due evenly over the minute that follows (about
// BENCH_SESSIONS / 60 a second); and "none due", the file as seeded (last seen an hour ahead of
// the clock). 50 connections as fast as they are answered, each request carrying one of the
// sessions at random. BENCH_ROUNDS rounds (default 3; BENCH_QUICK=1: 1) of BENCH_SECONDS (default
// 10; quick: 3), the order alternating; medians reported, and the renewals the load made
// (sessions last seen during it, read from the file afterwards). BENCH_BASELINE_ROOT names another
// built tree, measured the same way in the same rounds. Results: bench/results/renewals.json.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openSqliteDatabase } from 'latchkey/stores/sqlite';

import { cleanUpOnce } from './lib/clean-up.js';
import { load } from './lib/http-load.js';
import { migrateLatchkeyData, startLatchkeyServe } from './lib/probe.js';
import { describeRun, printTable, startRun } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { checkSeededSession, sessionRequests } from './lib/seed-sessions.js';
import { describeSource } from './lib/source.js';
import { median } from './lib/stats.js';
import { formatOpsPerSecond } from './lib/table.js';
import { loadGenerator } from './lib/wrk-load.js';
import { importFromTree } from './lib/tree-module.js';

import type { LoadResult } from './lib/http-load.js';
import type * as SeedSessions from './lib/seed-sessions.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3)),
  seconds: Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10)),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  sessions: Number(process.env.BENCH_SESSIONS ?? 5_000),
  baselineRoot: process.env.BENCH_BASELINE_ROOT ?? null,
};
// The server's default renewal interval and idle timeout. Unit: milliseconds.
const RENEWAL_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

if (loadGenerator() === 'wrk') {
  throw new Error('bench/renewals.ts runs with autocannon only: leave BENCH_LOAD_GENERATOR out');
}

type State = 'renewing' | 'none due';

interface Case {
  tree: string;
  root: string;
  state: State;
  samples: LoadResult[];
  renewals: number[];
}

const run = startRun(ROOT);
const baselineSource =
  SETTINGS.baselineRoot === null ? null : describeSource(SETTINGS.baselineRoot);
const folder = mkdtempSync(join(tmpdir(), 'latchkey-renewals-'));
let stopCurrent: (() => Promise<void>) | null = null;
const cleanUp = cleanUpOnce(async () => {
  if (stopCurrent !== null) await stopCurrent();
  rmSync(folder, { recursive: true, force: true });
});

/** Starts a server on a fresh copy of the seeded file, loads it once, and stops it. */
async function measure(
  item: Case,
  seeded: string,
  tokens: string[],
  seconds: number,
): Promise<{ result: LoadResult; renewals: number }> {
  const dataDir = mkdtempSync(join(folder, 'server-'));
  const path = join(dataDir, 'latchkey.db');
  copyFileSync(seeded, path);
  if (SETTINGS.baselineRoot !== null) migrateLatchkeyData(item.root, dataDir);
  const started = Date.now();
  if (item.state === 'renewing') {
    // As it is: the file is in the schema of the tree whose server will open it.
    const database = openSqliteDatabase(path, { migrate: false });
    // Last seen between 0 and 60 s ago, ending a day after that (the default idle timeout): due
    // for renewal at moments spread over the next minute.
    database
      .prepare(
        `UPDATE sessions SET last_seen_at = ? - (abs(random()) % ${String(RENEWAL_INTERVAL_MS)})`,
      )
      .run(started);
    database
      .prepare(`UPDATE sessions SET idle_expires_at = last_seen_at + ${String(DAY_MS)}`)
      .run();
    database.close();
  }
  const target = await startLatchkeyServe(`Latchkey server${item.tree}`, item.root, dataDir);
  stopCurrent = () => target.stop();
  try {
    await checkSeededSession(target.url, tokens[0]!);
    const loadStarted = Date.now();
    const result = await load(`${target.url}/api/secure-data`, {
      connections: SETTINGS.connections,
      durationSeconds: seconds,
      nextRequest: sessionRequests(tokens),
    });
    if (result.failures > 0) {
      throw new Error(`${item.state}${item.tree}: ${JSON.stringify(result.statusCounts)}`);
    }
    await target.stop();
    stopCurrent = null;
    const database = openSqliteDatabase(path, { migrate: false });
    const renewed = database
      .prepare<[number, number], number>(
        'SELECT count(*) FROM sessions WHERE last_seen_at BETWEEN ? AND ?',
      )
      .pluck()
      .get(loadStarted, Date.now());
    database.close();
    return { result, renewals: renewed ?? 0 };
  } finally {
    if (stopCurrent !== null) {
      await stopCurrent();
      stopCurrent = null;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

try {
  const seededPath = join(folder, 'seeded.db');
  // Seeded by the oldest tree's code (the baseline's, when there is one); each tree's
  // `latchkey migrate` brings its copy to its own schema.
  const { seedSessions } = await importFromTree<typeof SeedSessions>(
    SETTINGS.baselineRoot ?? ROOT,
    'bench/lib/seed-sessions.ts',
  );
  const seeded = await seedSessions(seededPath, {
    sessions: SETTINGS.sessions,
    state: 'live',
    keepTokens: true,
    label: 'renewals',
  });
  process.stderr.write(
    `seeded ${formatOpsPerSecond(SETTINGS.sessions)} sessions in ${seeded.seconds.toFixed(0)} s\n`,
  );
  const trees = [
    { tree: '', root: ROOT },
    ...(SETTINGS.baselineRoot === null
      ? []
      : [{ tree: ' (baseline)', root: SETTINGS.baselineRoot }]),
  ];
  const cases: Case[] = trees.flatMap(({ tree, root }) =>
    (['renewing', 'none due'] as const).map((state) => ({
      tree,
      root,
      state,
      samples: [],
      renewals: [],
    })),
  );
  for (let round = 1; round <= SETTINGS.rounds; round += 1) {
    const order = round % 2 === 1 ? cases : [...cases].reverse();
    for (const item of order) {
      const { result, renewals } = await measure(item, seededPath, seeded.tokens, SETTINGS.seconds);
      item.samples.push(result);
      item.renewals.push(renewals);
      process.stderr.write(
        `round ${String(round)}: ${item.state}${item.tree}: ` +
          `${result.requestsPerSecond.toFixed(0)} req/s, ${String(renewals)} renewals\n`,
      );
    }
  }

  const rateOf = (item: Case): number => median(item.samples.map((s) => s.requestsPerSecond));
  const rows = cases.map((item) => {
    const quiet = cases.find((other) => other.tree === item.tree && other.state === 'none due')!;
    return {
      tree: item.tree,
      state: item.state,
      requestsPerSecond: rateOf(item),
      ratio: rateOf(item) / rateOf(quiet),
      p99Ms: median(item.samples.map((s) => s.p99Ms)),
      renewalsPerSecond: median(item.renewals) / SETTINGS.seconds,
    };
  });
  printTable(
    [
      ['sessions', 'renewals due', 'req/s (median)', 'x none due', 'p99 ms', 'renewals/s'],
      ...rows.map((row) => [
        `${formatOpsPerSecond(SETTINGS.sessions)}${row.tree}`,
        row.state === 'renewing' ? 'over the minute' : 'none',
        formatOpsPerSecond(row.requestsPerSecond),
        row.ratio.toFixed(2),
        row.p99Ms.toFixed(1),
        row.renewalsPerSecond.toFixed(0),
      ]),
    ],
    [true, false, true, true, true, true],
  );
  const record = run.finish();
  const path = writeResults('renewals', {
    run: record,
    ...(baselineSource === null ? {} : { baselineSource }),
    settings: SETTINGS,
    samples: cases.map((item) => ({
      tree: item.tree,
      state: item.state,
      results: item.samples,
      renewals: item.renewals,
    })),
    rows,
  });
  process.stdout.write(`\n${describeRun(record)}; ${path}\n`);
} finally {
  await cleanUp();
}
