// Login throughput against the raw Argon2id rate: `POST /auth/login` on Latchkey's standalone
// server (SQLite) under a concurrent load, against `verifyPassword` called back to back in a
// process of its own (bench/targets/argon2-raw.ts), in one run. A login verifies one Argon2id
// hash; the goal of issue 7 is at least 0.9 of the raw rate.
//
//   npm run build && node --import tsx bench/login.ts [--markdown]
//
// Both sides run what the server runs by default: latchkey/password's hash pool (a worker thread
// per CPU, at the lowest priority on Linux), with 8 calls in flight (8 connections for the
// logins; the throttle lets 8 logins from one address run at once). The server is `latchkey
// serve` from dist/, NODE_ENV=production, with 1,000 seeded accounts that share one password:
// each login names the next account in turn, so no two run on one account (the throttle would
// queue them) and none fails (it only counts failures). Throttling stays on: the server has no
// switch for it.
//
// Each round times the raw rate of `verifyPassword` and of `hashPassword` (for reference), with
// the logins between them, the two raw runs taking turns at going first, each for BENCH_SECONDS
// (default 6; BENCH_QUICK=1: 3) after a warm-up; BENCH_ROUNDS rounds (default 8; quick: 2).
// Reported: the medians, and the logins' ratio to the raw rate of the same round (median and
// quartiles), so that drift in a shared machine falls on both; and, on Linux, where the CPU of
// each round's logins went (bench/lib/login-cpu.ts): the server's hashing threads, its event
// loop, its other threads and the load generator, per login. BENCH_BASELINE_ROOT names another
// built tree (say `git archive` of the commit before a change, with `npm run build` and this
// bench/ copied in) measured the same way in the same rounds, for a before/after in one run.
// Results: bench/results/login.json.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanUpOnce } from './lib/clean-up.js';
import { load } from './lib/http-load.js';
import { loginCpu, readCpu } from './lib/login-cpu.js';
import { loginRequests, measureRawRate, SEEDED_PASSWORD } from './lib/logins.js';
import { startLatchkeyServe } from './lib/probe.js';
import { describeRun, printTable, startRun } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { importFromTree } from './lib/tree-module.js';

import type { LoadResult, Target } from './lib/http-load.js';
import type { LoginCpu } from './lib/login-cpu.js';
import type { RawRate } from './lib/logins.js';
import type * as Logins from './lib/logins.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 8)),
  seconds: Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 6)),
  inFlight: Number(process.env.BENCH_IN_FLIGHT ?? 8),
  accounts: 1_000,
  baselineRoot: process.env.BENCH_BASELINE_ROOT ?? null,
};
const GOAL = 0.9;

interface Tree {
  name: string;
  root: string;
  server: Target;
  emails: string[];
  samples: { verify: number[]; hash: number[]; login: LoadResult[]; cpu: LoginCpu[] };
}

const run = startRun(ROOT);
const dataRoot = mkdtempSync(join(tmpdir(), 'latchkey-login-'));
const trees: Tree[] = [];
const cleanUp = cleanUpOnce(async () => {
  for (const tree of trees) await tree.server.stop();
  rmSync(dataRoot, { recursive: true, force: true });
});

try {
  const roots = [
    { name: 'this tree', root: ROOT },
    ...(SETTINGS.baselineRoot === null ? [] : [{ name: 'baseline', root: SETTINGS.baselineRoot }]),
  ];
  for (const { name, root } of roots) {
    const dataDir = join(dataRoot, String(trees.length));
    mkdirSync(dataDir, { mode: 0o700 });
    // Seeded by the tree's own code, in its own schema.
    const { seedLoginAccounts } = await importFromTree<typeof Logins>(root, 'bench/lib/logins.ts');
    const emails = await seedLoginAccounts(join(dataDir, 'latchkey.db'), SETTINGS.accounts);
    const server = await startLatchkeyServe(`Latchkey server (${name})`, root, dataDir);
    trees.push({
      name,
      root,
      server,
      emails,
      samples: { verify: [], hash: [], login: [], cpu: [] },
    });
    await checkLogin(`${server.url}/auth/login`, emails[0]!);
  }

  const loginLoad = (tree: Tree, seconds: number): Promise<LoadResult> =>
    load(`${tree.server.url}/auth/login`, {
      method: 'POST',
      connections: SETTINGS.inFlight,
      durationSeconds: seconds,
      headers: { 'content-type': 'application/json' },
      nextRequest: loginRequests(tree.emails),
    });
  const raw = (tree: Tree, operation: 'verify' | 'hash', seconds: number): Promise<RawRate> =>
    measureRawRate(tree.root, { operation, seconds, inFlight: SETTINGS.inFlight });

  for (const tree of trees) {
    await raw(tree, 'verify', 2);
    await loginLoad(tree, 2);
  }
  for (let round = 1; round <= SETTINGS.rounds; round += 1) {
    const order = round % 2 === 1 ? trees : [...trees].reverse();
    for (const tree of order) {
      // The logins always between the two raw runs, and the order of those swapped every round.
      const first = await raw(tree, round % 2 === 1 ? 'verify' : 'hash', SETTINGS.seconds);
      const pid = tree.server.process.pid ?? 0;
      const before = readCpu(pid);
      const login = await loginLoad(tree, SETTINGS.seconds);
      const after = readCpu(pid);
      if (before !== null && after !== null) {
        tree.samples.cpu.push(
          loginCpu(pid, before, after, login.requestsPerSecond * SETTINGS.seconds),
        );
      }
      const second = await raw(tree, round % 2 === 1 ? 'hash' : 'verify', SETTINGS.seconds);
      const [verify, hash] = round % 2 === 1 ? [first, second] : [second, first];
      if (login.failures > 0) {
        throw new Error(`round ${round}: logins answered ${JSON.stringify(login.statusCounts)}`);
      }
      tree.samples.verify.push(verify.perSecond);
      tree.samples.hash.push(hash.perSecond);
      tree.samples.login.push(login);
      process.stderr.write(
        `round ${round} (${tree.name}): verify ${verify.perSecond.toFixed(1)}/s, login ` +
          `${login.requestsPerSecond.toFixed(1)}/s, hash ${hash.perSecond.toFixed(1)}/s\n`,
      );
    }
  }

  const rows = trees.flatMap((tree) => {
    const { verify, hash, login } = tree.samples;
    const loginRates = login.map((result) => result.requestsPerSecond);
    // Each round's ratio against that round's raw rate, so that drift in the machine cancels.
    const ratios = loginRates.map((rate, index) => rate / verify[index]!);
    const suffix = trees.length === 1 ? '' : ` (${tree.name})`;
    return [
      {
        tree: tree.name,
        name: `verifyPassword, raw${suffix}`,
        perSecond: median(verify),
        ratio: 1,
        ratioQuartiles: null,
        p50Ms: null,
        p99Ms: null,
      },
      {
        tree: tree.name,
        name: `hashPassword, raw${suffix}`,
        perSecond: median(hash),
        ratio: median(hash.map((rate, index) => rate / verify[index]!)),
        ratioQuartiles: null,
        p50Ms: null,
        p99Ms: null,
      },
      {
        tree: tree.name,
        name: `POST /auth/login${suffix}`,
        perSecond: median(loginRates),
        ratio: median(ratios),
        ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
        p50Ms: median(login.map((result) => result.p50Ms)),
        p99Ms: median(login.map((result) => result.p99Ms)),
      },
    ];
  });
  printTable(
    [
      ['what', 'per second (median)', 'x raw verify', 'quartiles', 'p50 ms', 'p99 ms'],
      ...rows.map((row) => [
        row.name,
        row.perSecond.toFixed(1),
        row.ratio.toFixed(2),
        row.ratioQuartiles === null
          ? '-'
          : row.ratioQuartiles.map((value) => value.toFixed(2)).join('-'),
        row.p50Ms === null ? '-' : row.p50Ms.toFixed(0),
        row.p99Ms === null ? '-' : row.p99Ms.toFixed(0),
      ]),
    ],
    [false, true, true, true, true, true],
  );
  const verdicts = rows
    .filter((row) => row.name.startsWith('POST'))
    .map((row) => ({ tree: row.tree, ratio: row.ratio, met: row.ratio >= GOAL }));
  const record = run.finish();
  const path = writeResults('login', {
    run: record,
    settings: SETTINGS,
    samples: trees.map((tree) => ({ tree: tree.name, root: tree.root, ...tree.samples })),
    rows,
    goal: { loginOverRawVerify: GOAL, verdicts },
  });
  process.stdout.write('\n');
  for (const verdict of verdicts) {
    process.stdout.write(
      `login / raw verify (${verdict.tree}): ${verdict.ratio.toFixed(3)} (goal at least ${GOAL}: ` +
        `${verdict.met ? 'met' : 'missed'})\n`,
    );
  }
  for (const tree of trees) {
    const { cpu } = tree.samples;
    if (cpu.length === 0) continue;
    const ms = (pick: (split: LoginCpu) => number) => median(cpu.map(pick)).toFixed(2);
    const hashing = ms((split) => split.hashingMs);
    const eventLoop = ms((split) => split.eventLoopMs);
    const others = ms((split) => split.otherThreadsMs);
    const generator = ms((split) => split.loadGeneratorMs);
    process.stdout.write(
      `CPU per login (${tree.name}, medians): hashing threads ${hashing} ms, event loop ` +
        `${eventLoop} ms, other server threads ${others} ms, load generator ${generator} ms\n`,
    );
  }
  process.stdout.write(
    `${SETTINGS.accounts} accounts, ${SETTINGS.inFlight} in flight\n${describeRun(record)}; ${path}\n`,
  );
} finally {
  await cleanUp();
}

/** One login before anything is timed: it must succeed and set the session cookie. */
async function checkLogin(url: string, email: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: SEEDED_PASSWORD }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200 || response.headers.getSetCookie().length === 0) {
    throw new Error(`a seeded login answered ${response.status}: ${text.slice(0, 300)}`);
  }
}
