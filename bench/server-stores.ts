// Authenticated requests per second on Latchkey's standalone server, one store after another,
// against the bare node:http ceiling measured in the same run.
//
//   npm run build && node --import tsx bench/server-stores.ts
//
// PostgreSQL and Redis are used when reachable (LATCHKEY_TEST_POSTGRES_URL,
// LATCHKEY_TEST_REDIS_URL, defaults on 127.0.0.1), each under a schema or prefix of its own,
// removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load, startTarget } from './lib/http-load.js';
import { describeMachine } from './lib/machine.js';
import { describeMachineAndLoad } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';
import { formatTable } from './lib/table.js';
import { describeLoadGenerator } from './lib/wrk-load.js';
import { logIn, openSharedStores } from './lib/latchkey-targets.js';

import type { LoadResult, Target } from './lib/http-load.js';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
const shared = await openSharedStores();
const targets: { target: Target; cookie: string | null }[] = [];
try {
  const bare = await startTarget('node:http (ceiling)', [
    process.execPath,
    '--import',
    'tsx',
    join(root, 'bench', 'targets', 'bare.ts'),
  ]);
  targets.push({ target: bare, cookie: null });
  const stores = [
    { name: 'SQLite', url: `sqlite:${join(dataDir, 'latchkey.db')}` },
    ...shared.stores,
  ];
  for (const store of stores) {
    const target = await startTarget(`Latchkey, ${store.name}`, [
      process.execPath,
      join(root, 'dist', 'cli', 'bin.js'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--store',
      store.url,
    ]);
    targets.push({ target, cookie: await logIn(target.url) });
  }

  const samples = new Map<string, LoadResult[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate the order each round, so that drift in the machine falls on every target alike.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const { target, cookie } of order) {
      const result = await load(`${target.url}/api/secure-data`, {
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
        ...(cookie === null ? {} : { headers: { cookie } }),
      });
      if (result.failures > 0)
        throw new Error(`${target.name}: ${result.failures} failed requests`);
      samples.set(target.name, [...(samples.get(target.name) ?? []), result]);
      process.stderr.write(
        `round ${round + 1}: ${target.name}: ${Math.round(result.requestsPerSecond)} req/s\n`,
      );
    }
  }

  const ceiling = median(
    (samples.get(targets[0]?.target.name ?? '') ?? []).map((r) => r.requestsPerSecond),
  );
  const rows = targets.map(({ target }) => {
    const results = samples.get(target.name) ?? [];
    const rps = median(results.map((r) => r.requestsPerSecond));
    const p99 = median(results.map((r) => r.p99Ms));
    return { name: target.name, requestsPerSecond: rps, ratioToCeiling: rps / ceiling, p99Ms: p99 };
  });
  const table = formatTable(
    [
      ['target', 'req/s (median)', 'x ceiling', 'p99 ms'],
      ...rows.map((row) => [
        row.name,
        Math.round(row.requestsPerSecond).toLocaleString('en-US'),
        row.ratioToCeiling.toFixed(2),
        row.p99Ms.toFixed(1),
      ]),
    ],
    [false, true, true, true],
  );
  process.stdout.write(`${table}\n`);
  const machine = describeMachine();
  const path = writeResults('server-stores', {
    loadGenerator: describeLoadGenerator(),
    machine,
    settings: { rounds: ROUNDS, durationSeconds: DURATION_SECONDS, connections: CONNECTIONS },
    rows,
  });
  process.stdout.write(`\n${describeMachineAndLoad(machine)}; ${path}\n`);
} finally {
  for (const { target } of targets) await target.stop();
  await shared.cleanUp();
  rmSync(dataDir, { recursive: true, force: true });
}
