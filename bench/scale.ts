// Does the server slow down or grow as sessions pile up? Authenticated `GET /api/secure-data`
// per second, and the server process's memory, with 1,000,000 live sessions in SQLite against
// 1,000, in one run. The goals of issue 7: the large database within 10% of the small one's
// throughput, and the server under 150 MB of resident memory.
//
//   npm run build && node --import tsx bench/scale.ts [--markdown]
//
// Two data folders are seeded (bench/lib/seed-sessions.ts: four sessions per user, live, none
// due for renewal), then both servers are started (`latchkey serve` from dist/,
// NODE_ENV=production, as users run it) and loaded in turn: 50 connections as fast as they are
// answered, every request carrying the cookie of a session picked at random from all of that
// server's sessions, so that the large database is read across its whole size and the
// server's read caches (10,000 entries) hold 1% of it; and the large server once more with
// requests spread over 1,000 of its sessions, the small one's working set. BENCH_ROUNDS rounds (default 5;
// BENCH_QUICK=1: 2) of BENCH_SECONDS (default 8; quick: 3) each, the order alternating; medians
// reported. Memory: the server process's resident set after the last round and its peak since
// start (VmRSS and VmHWM in /proc/<pid>/status). BENCH_SESSIONS is the large count (default 1,000,000; quick: 100,000).
// BENCH_BASELINE_ROOT names another built tree (a `git worktree` of an earlier commit, with
// `npm run build` run in it): its `latchkey serve` runs beside this tree's, on copies of the
// same seeded files, loaded in the same rounds, for a before/after in one run. The files are
// then seeded by the baseline's code, in its schema, and each tree's `latchkey migrate` brings
// its copy to its own before its server starts (a newer tree migrates an older file; the
// other way round, the older server would refuse the file).
// Results: bench/results/scale.json.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanUpOnce } from './lib/clean-up.js';
import { load } from './lib/http-load.js';
import { processMemory } from './lib/process-memory.js';
import { migrateLatchkeyData, startLatchkeyServe } from './lib/probe.js';
import { describeRun, printTable, startRun } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { checkSeededSession, sessionRequests } from './lib/seed-sessions.js';
import { describeSource } from './lib/source.js';
import { median } from './lib/stats.js';
import { formatOpsPerSecond } from './lib/table.js';
import { importFromTree } from './lib/tree-module.js';
import { loadGenerator } from './lib/wrk-load.js';

import type { LoadResult, Target } from './lib/http-load.js';
import type { ProcessMemory } from './lib/process-memory.js';
import type * as SeedSessions from './lib/seed-sessions.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5)),
  seconds: Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 8)),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  small: 1_000,
  large: Number(process.env.BENCH_SESSIONS ?? (QUICK ? 100_000 : 1_000_000)),
  baselineRoot: process.env.BENCH_BASELINE_ROOT ?? null,
};
const GOALS = { throughputRatio: 0.9, rssBytes: 150_000_000 };

// Said before a million sessions are seeded, not after: wrk is given its requests as a list drawn
// in advance, and a list cannot spread requests over a million sessions.
if (loadGenerator() === 'wrk') {
  throw new Error('bench/scale.ts runs with autocannon only: leave BENCH_LOAD_GENERATOR out');
}

interface Server {
  /** Which tree serves: '' for this one, ' (baseline)' for BENCH_BASELINE_ROOT's. */
  tree: string;
  sessions: number;
  tokens: string[];
  seedSeconds: number;
  databaseBytes: number;
  target: Target;
  memory: ProcessMemory | null;
}

/** One load: a server, and the sessions its requests carry. */
interface Case {
  name: string;
  server: Server;
  tokens: string[];
  samples: LoadResult[];
}

const run = startRun(ROOT);
// The seeding code of the oldest tree: the baseline's, when there is one.
const { seedSessions } = await importFromTree<typeof SeedSessions>(
  SETTINGS.baselineRoot ?? ROOT,
  'bench/lib/seed-sessions.ts',
);
const baselineSource =
  SETTINGS.baselineRoot === null ? null : describeSource(SETTINGS.baselineRoot);
const root = mkdtempSync(join(tmpdir(), 'latchkey-scale-'));
const servers: Server[] = [];
const cleanUp = cleanUpOnce(async () => {
  for (const server of servers) await server.target.stop();
  rmSync(root, { recursive: true, force: true });
});

try {
  for (const count of [SETTINGS.small, SETTINGS.large]) {
    const dataDir = join(root, String(count));
    mkdirSync(dataDir, { mode: 0o700 });
    const databasePath = join(dataDir, 'latchkey.db');
    const seeded = await seedSessions(databasePath, {
      sessions: count,
      state: 'live',
      keepTokens: true,
      label: `live${count}`,
    });
    process.stderr.write(
      `seeded ${formatOpsPerSecond(count)} sessions in ${seeded.seconds.toFixed(0)} s\n`,
    );
    const trees = [
      { tree: '', root: ROOT, dataDir },
      ...(SETTINGS.baselineRoot === null
        ? []
        : [{ tree: ' (baseline)', root: SETTINGS.baselineRoot, dataDir: `${dataDir}-baseline` }]),
    ];
    for (const { dataDir: folder } of trees) {
      if (folder === dataDir) continue;
      // A file of its own, as each server would have (the seed left no WAL beside it), copied
      // before any tree migrates the seeded one.
      mkdirSync(folder, { mode: 0o700 });
      copyFileSync(databasePath, join(folder, 'latchkey.db'));
    }
    for (const { tree, root, dataDir: folder } of trees) {
      if (SETTINGS.baselineRoot !== null) {
        const started = performance.now();
        const said = migrateLatchkeyData(root, folder).trim().split('\n').at(-1);
        const seconds = ((performance.now() - started) / 1_000).toFixed(1);
        process.stderr.write(`latchkey migrate${tree}: ${said ?? ''} (${seconds} s)\n`);
      }
      const target = await startLatchkeyServe(
        `Latchkey server${tree}, ${formatOpsPerSecond(count)} sessions`,
        root,
        folder,
      );
      await checkSeededSession(target.url, seeded.tokens[0]!);
      servers.push({
        tree,
        sessions: count,
        tokens: seeded.tokens,
        seedSeconds: seeded.seconds,
        databaseBytes: statSync(join(folder, 'latchkey.db')).size,
        target,
        memory: null,
      });
    }
  }

  // Three loads: each server with requests spread over all its sessions, and the large one again
  // with requests spread over 1,000 of its sessions only: the same working set as the small one,
  // which tells the size of the table from the size of what is requested.
  const cases: Case[] = [];
  for (const tree of [...new Set(servers.map((server) => server.tree))]) {
    const ofTree = servers.filter((server) => server.tree === tree);
    const smallServer = ofTree.find((server) => server.sessions === SETTINGS.small)!;
    const largeServer = ofTree.find((server) => server.sessions === SETTINGS.large)!;
    cases.push(
      { name: 'all requested', server: smallServer, tokens: smallServer.tokens, samples: [] },
      { name: 'all requested', server: largeServer, tokens: largeServer.tokens, samples: [] },
      {
        name: `${formatOpsPerSecond(SETTINGS.small)} of them requested`,
        server: largeServer,
        tokens: largeServer.tokens.slice(0, SETTINGS.small),
        samples: [],
      },
    );
  }
  const measure = (item: Case, seconds: number): Promise<LoadResult> =>
    load(`${item.server.target.url}/api/secure-data`, {
      connections: SETTINGS.connections,
      durationSeconds: seconds,
      nextRequest: sessionRequests(item.tokens),
    });
  for (const item of cases) await measure(item, 2);
  for (let round = 1; round <= SETTINGS.rounds; round += 1) {
    const order = round % 2 === 1 ? cases : [...cases].reverse();
    for (const item of order) {
      const result = await measure(item, SETTINGS.seconds);
      if (result.failures > 0) {
        throw new Error(`${item.server.sessions} sessions: ${JSON.stringify(result.statusCounts)}`);
      }
      item.samples.push(result);
      process.stderr.write(
        `round ${round}: ${formatOpsPerSecond(item.server.sessions)} sessions` +
          `${item.server.tree}, ${item.name}: ${result.requestsPerSecond.toFixed(0)} req/s\n`,
      );
    }
  }
  for (const server of servers) {
    server.memory = processMemory(server.target.process.pid ?? -1);
    if (server.memory === null) throw new Error('no /proc/<pid>/status to read memory from');
  }

  // Each tree's ratios are to its own server with 1,000 sessions.
  const small = (tree: string): number =>
    median(
      cases
        .find((item) => item.server.tree === tree && item.server.sessions === SETTINGS.small)!
        .samples.map((s) => s.requestsPerSecond),
    );
  const rows = cases.map((item) => {
    const rate = median(item.samples.map((s) => s.requestsPerSecond));
    return {
      tree: item.server.tree,
      sessions: item.server.sessions,
      requested: item.name,
      databaseBytes: item.server.databaseBytes,
      requestsPerSecond: rate,
      ratio: rate / small(item.server.tree),
      p99Ms: median(item.samples.map((s) => s.p99Ms)),
      rssBytes: item.server.memory!.rssBytes,
      peakRssBytes: item.server.memory!.peakRssBytes,
      anonymousBytes: item.server.memory!.anonymousBytes,
      fileBytes: item.server.memory!.fileBytes,
    };
  });
  // MB as the goal says it: 10^6 bytes.
  const mb = (bytes: number): string => (bytes / 1_000_000).toFixed(0);
  printTable(
    [
      [
        'live sessions',
        'requests go to',
        'database MB',
        'req/s (median)',
        'x 1,000',
        'p99 ms',
        'server RSS MB',
        'peak RSS MB',
      ],
      ...rows.map((row) => [
        `${formatOpsPerSecond(row.sessions)}${row.tree}`,
        row.requested,
        mb(row.databaseBytes),
        formatOpsPerSecond(row.requestsPerSecond),
        row.ratio.toFixed(2),
        row.p99Ms.toFixed(1),
        mb(row.rssBytes),
        mb(row.peakRssBytes),
      ]),
    ],
    [true, false, true, true, true, true, true, true],
  );
  const large = rows[1]!;
  const throughputMet = large.ratio >= GOALS.throughputRatio;
  const memoryMet = large.peakRssBytes < GOALS.rssBytes;
  const record = run.finish();
  const path = writeResults('scale', {
    run: record,
    ...(baselineSource === null ? {} : { baselineSource }),
    settings: SETTINGS,
    seedSeconds: servers.map((s) => s.seedSeconds),
    samples: cases.map((c) => ({
      tree: c.server.tree,
      sessions: c.server.sessions,
      requested: c.name,
      results: c.samples,
    })),
    rows,
    goals: { ...GOALS, throughputMet, memoryMet },
  });
  process.stdout.write(
    `\n${formatOpsPerSecond(large.sessions)} / 1,000 sessions: ${large.ratio.toFixed(2)} ` +
      `(goal at least ${GOALS.throughputRatio}: ${throughputMet ? 'met' : 'missed'}); peak RSS ` +
      `${mb(large.peakRssBytes)} MB (goal under 150: ${memoryMet ? 'met' : 'missed'})\n` +
      `${describeRun(record)}; ${path}\n`,
  );
} finally {
  await cleanUp();
}
