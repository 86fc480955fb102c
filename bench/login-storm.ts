// Does hashing block the event loop? The latency of authenticated `GET /api/secure-data` at a
// fixed rate on Latchkey's server (SQLite), with nothing else running and then while a storm of
// logins keeps every Argon2id thread busy, in one run. The goal of issue 7: the p99 during the
// storm at most twice the idle p99.
//
//   npm run build && node --import tsx bench/login-storm.ts [--markdown]
//
// The server is the standalone server with a probe beside it (bench/targets/latchkey-probe.ts),
// which reports its event-loop delay for each phase. It holds 1,000 seeded live sessions (each
// request carries one at random) and 1,000 seeded accounts (the logins take them in turn; see
// bench/login.ts for why). The authenticated load runs at BENCH_RATE requests per second
// (default 1,000) over 10 connections, its latencies kept to the microsecond (autocannon's own
// are whole milliseconds, and an idle p99 is about one); the storm is 8 connections posting
// logins as fast as they are answered, the server's hashing threads (one per CPU) busy. Each
// round runs an idle phase and a storm phase of BENCH_SECONDS (default 10; BENCH_QUICK=1: 3),
// in alternating order; BENCH_ROUNDS rounds (default 4; quick: 1); medians reported.
// BENCH_POOL_SIZES (default 4, the server's) starts one server per libuv pool size
// (UV_THREADPOOL_SIZE, which hashing no longer uses), each on data of its own, their phases
// interleaved in every round, to compare in one run. BENCH_BASELINE_ROOT adds the same servers
// from another built tree (with this bench/ copied in), for a before/after of a change in one
// run. Results: bench/results/login-storm.json.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanUpOnce } from './lib/clean-up.js';
import { load } from './lib/http-load.js';
import { loginRequests } from './lib/logins.js';
import { startProbedServer } from './lib/probe.js';
import { describeRun, printTable, startRun } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { checkSeededSession, sessionRequests } from './lib/seed-sessions.js';
import { median } from './lib/stats.js';
import { importFromTree } from './lib/tree-module.js';

import type { LoadResult } from './lib/http-load.js';
import type { LoopReport, ProbedServer } from './lib/probe.js';
import type * as Logins from './lib/logins.js';
import type * as SeedSessions from './lib/seed-sessions.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 4)),
  seconds: Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10)),
  rate: Number(process.env.BENCH_RATE ?? 1_000),
  readConnections: 10,
  loginConnections: 8,
  sessions: 1_000,
  accounts: 1_000,
  poolSizes: (process.env.BENCH_POOL_SIZES ?? '4').split(',').map(Number),
  baselineRoot: process.env.BENCH_BASELINE_ROOT ?? null,
};
const GOAL = 2;

type Phase = 'idle' | 'storm';
interface PhaseSample {
  reads: LoadResult;
  logins: LoadResult | null;
  loop: LoopReport;
}

interface Server {
  /** Which tree and pool size, as the table shows it. */
  name: string;
  poolSize: number;
  probed: ProbedServer;
  emails: string[];
  tokens: string[];
  samples: Record<Phase, PhaseSample[]>;
}

const run = startRun(ROOT);
const root = mkdtempSync(join(tmpdir(), 'latchkey-storm-'));
const servers: Server[] = [];
const cleanUp = cleanUpOnce(async () => {
  for (const server of servers) await server.probed.target.stop();
  rmSync(root, { recursive: true, force: true });
});

try {
  const variants = [
    { tree: 'this tree', treeRoot: ROOT },
    ...(SETTINGS.baselineRoot === null
      ? []
      : [{ tree: 'baseline', treeRoot: SETTINGS.baselineRoot }]),
  ].flatMap((tree) => SETTINGS.poolSizes.map((poolSize) => ({ ...tree, poolSize })));
  for (const { tree, treeRoot, poolSize } of variants) {
    const dataDir = join(root, String(servers.length));
    mkdirSync(dataDir, { mode: 0o700 });
    const databasePath = join(dataDir, 'latchkey.db');
    // Seeded by the tree's own code, in its own schema.
    const { seedLoginAccounts } = await importFromTree<typeof Logins>(
      treeRoot,
      'bench/lib/logins.ts',
    );
    const { seedSessions } = await importFromTree<typeof SeedSessions>(
      treeRoot,
      'bench/lib/seed-sessions.ts',
    );
    const emails = await seedLoginAccounts(databasePath, SETTINGS.accounts);
    const { tokens } = await seedSessions(databasePath, {
      sessions: SETTINGS.sessions,
      state: 'live',
      keepTokens: true,
      label: 'live',
    });
    const probed = await startProbedServer(treeRoot, dataDir, {
      UV_THREADPOOL_SIZE: String(poolSize),
    });
    const name = `${variants.length > SETTINGS.poolSizes.length ? `${tree}, ` : ''}pool ${poolSize}`;
    servers.push({ name, poolSize, probed, emails, tokens, samples: { idle: [], storm: [] } });
    await checkSeededSession(probed.target.url, tokens[0]!);
  }

  const phase = async (server: Server, which: Phase, seconds: number): Promise<PhaseSample> => {
    const { url } = server.probed.target;
    await server.probed.resetLoop();
    const reads = load(`${url}/api/secure-data`, {
      connections: SETTINGS.readConnections,
      durationSeconds: seconds,
      overallRate: SETTINGS.rate,
      preciseLatency: true,
      nextRequest: sessionRequests(server.tokens),
    });
    const logins =
      which === 'storm'
        ? load(`${url}/auth/login`, {
            method: 'POST',
            connections: SETTINGS.loginConnections,
            durationSeconds: seconds,
            headers: { 'content-type': 'application/json' },
            nextRequest: loginRequests(server.emails),
          })
        : Promise.resolve(null);
    const sample = {
      reads: await reads,
      logins: await logins,
      loop: await server.probed.reportLoop(),
    };
    if (sample.reads.failures > 0 || (sample.logins?.failures ?? 0) > 0) {
      throw new Error(
        `${which}: reads ${JSON.stringify(sample.reads.statusCounts)}, logins ` +
          JSON.stringify(sample.logins?.statusCounts ?? {}),
      );
    }
    return sample;
  };

  for (const server of servers) await phase(server, 'storm', 2);
  for (let round = 1; round <= SETTINGS.rounds; round += 1) {
    const phases: Phase[] = round % 2 === 1 ? ['idle', 'storm'] : ['storm', 'idle'];
    const order = round % 2 === 1 ? servers : [...servers].reverse();
    for (const server of order) {
      for (const which of phases) {
        const sample = await phase(server, which, SETTINGS.seconds);
        server.samples[which].push(sample);
        process.stderr.write(
          `round ${round} ${server.name} ${which}: reads ` +
            `${sample.reads.requestsPerSecond.toFixed(0)}/s ` +
            `p99 ${sample.reads.p99Ms.toFixed(2)} ms max ${sample.reads.maxMs.toFixed(1)} ms; ` +
            `logins ${sample.logins?.requestsPerSecond.toFixed(1) ?? '-'}/s; ` +
            `loop delay max ${sample.loop.maxMs.toFixed(1)} ms\n`,
        );
      }
    }
  }

  const summary = (server: Server, which: Phase) => {
    const list = server.samples[which];
    return {
      server: server.name,
      phase: which,
      readsPerSecond: median(list.map((s) => s.reads.requestsPerSecond)),
      readP50Ms: median(list.map((s) => s.reads.p50Ms)),
      readP99Ms: median(list.map((s) => s.reads.p99Ms)),
      readMaxMs: Math.max(...list.map((s) => s.reads.maxMs)),
      loginsPerSecond: which === 'storm' ? median(list.map((s) => s.logins!.requestsPerSecond)) : 0,
      loopDelayP99Ms: median(list.map((s) => s.loop.p99Ms)),
      loopDelayMaxMs: Math.max(...list.map((s) => s.loop.maxMs)),
    };
  };
  const rows = servers.flatMap((server) => [summary(server, 'idle'), summary(server, 'storm')]);
  printTable(
    [
      [
        'server',
        'phase',
        'reads/s',
        'read p50 ms',
        'read p99 ms',
        'read max ms',
        'logins/s',
        'loop delay p99 ms',
        'loop delay max ms',
      ],
      ...rows.map((row) => [
        row.server,
        row.phase,
        row.readsPerSecond.toFixed(0),
        row.readP50Ms.toFixed(2),
        row.readP99Ms.toFixed(2),
        row.readMaxMs.toFixed(1),
        row.phase === 'storm' ? row.loginsPerSecond.toFixed(1) : '-',
        row.loopDelayP99Ms.toFixed(1),
        row.loopDelayMaxMs.toFixed(1),
      ]),
    ],
    [false, false, true, true, true, true, true, true, true],
  );
  const verdicts = servers.map((server) => {
    const [idle, storm] = rows.filter((row) => row.server === server.name);
    const ratio = storm!.readP99Ms / idle!.readP99Ms;
    return { server: server.name, ratio, met: ratio <= GOAL };
  });
  const record = run.finish();
  const path = writeResults('login-storm', {
    run: record,
    settings: SETTINGS,
    samples: servers.map((server) => ({ server: server.name, ...server.samples })),
    rows,
    goal: { stormP99OverIdleP99: GOAL, verdicts },
  });
  process.stdout.write('\n');
  for (const verdict of verdicts) {
    process.stdout.write(
      `${verdict.server}: read p99, storm / idle: ${verdict.ratio.toFixed(2)} (goal at ` +
        `most ${GOAL}: ${verdict.met ? 'met' : 'missed'})\n`,
    );
  }
  process.stdout.write(`${describeRun(record)}; ${path}\n`);
} finally {
  await cleanUp();
}
