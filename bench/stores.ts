// Benchmarks session checks (SessionManager.validateSession) over each store, in one process:
//
//   node --import tsx bench/stores.ts [--markdown]
//
// Memory, SQLite (a temporary file), PostgreSQL and Redis (the shared test servers, found as
// the tests find them: LATCHKEY_TEST_POSTGRES_URL, LATCHKEY_TEST_REDIS_URL) each hold one user
// with 1,000 sessions. Each case validates those tokens in turn, with 1 or 32 calls in flight,
// either with no renewal due (a read) or with renewal due at every call (a read and a write).
// Cases and stores are timed in interleaved rounds; medians are compared to memory. A store
// that cannot be reached is left out. What it creates on a shared server is removed at the end.
//
// This measures the store path only; an HTTP benchmark of the server over each store (requests
// per second through `latchkey serve`) is to come.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SessionManager } from '../src/session/index.js';
import { MemorySessionStore, MemoryUserStore } from '../src/stores/memory/index.js';
import { openPostgresStores } from '../src/stores/postgres/index.js';
import { openRedisStores, RedisSessionStore, RedisUserStore } from '../src/stores/redis/index.js';
import { openSqliteStores } from '../src/stores/sqlite/index.js';
import {
  deleteKeysWithPrefix,
  findPostgres,
  findRedis,
  uniqueTestName,
} from '../test/support/shared-stores.js';
import { describeMachine } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { formatMarkdownTable, formatOpsPerSecond, formatTable } from './lib/table.js';

import type { UserStore } from '../src/accounts/types.js';
import type { SessionStore } from '../src/session/types.js';

const COMMAND = 'node --import tsx bench/stores.ts';
const SETTINGS = {
  sessions: 1_000,
  rounds: 10,
  sampleMs: 150,
  warmupMs: 300,
  maxOpsPerSample: 200_000,
};

interface Subject {
  name: string;
  version: string;
  sessions: SessionStore;
  users: UserStore;
  cleanup: () => Promise<void>;
}

interface Case {
  name: string;
  inFlight: number;
  renewEveryCall: boolean;
}

const CASES: Case[] = [
  { name: 'validate, 1 in flight', inFlight: 1, renewEveryCall: false },
  { name: 'validate, 32 in flight', inFlight: 32, renewEveryCall: false },
  { name: 'validate + renew, 1 in flight', inFlight: 1, renewEveryCall: true },
  { name: 'validate + renew, 32 in flight', inFlight: 32, renewEveryCall: true },
];

// Filled as each store opens, so that whatever was created is removed even if a later step fails.
const subjects: Subject[] = [];
try {
  await openSubjects(subjects);
  const prepared = await Promise.all(subjects.map(prepare));
  const samples = new Map<string, number[]>();
  const key = (caseName: string, subject: string) => `${caseName}|${subject}`;

  for (const benchCase of CASES) {
    for (const [index, subject] of subjects.entries()) {
      await sample(prepared[index]!, benchCase, SETTINGS.warmupMs);
      samples.set(key(benchCase.name, subject.name), []);
    }
  }
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    for (const benchCase of CASES) {
      // Rotate who goes first, so that drift in the machine falls on every store alike.
      for (let turn = 0; turn < subjects.length; turn += 1) {
        const index = (round + turn) % subjects.length;
        const opsPerSecond = await sample(prepared[index]!, benchCase, SETTINGS.sampleMs);
        samples.get(key(benchCase.name, subjects[index]!.name))!.push(opsPerSecond);
      }
    }
  }

  const results = CASES.map((benchCase) => {
    const memory = samples.get(key(benchCase.name, 'memory'))!;
    return {
      case: benchCase.name,
      stores: subjects.map((subject) => {
        const values = samples.get(key(benchCase.name, subject.name))!;
        const ratios = values.map((value, round) => value / memory[round]!);
        return {
          store: subject.name,
          opsPerSecond: median(values),
          ratioToMemory: median(values) / median(memory),
          ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
        };
      }),
    };
  });
  report(results);
} finally {
  for (const subject of subjects) await subject.cleanup();
}

/** Opens every store that can be reached into `opened`; memory and SQLite always can. */
async function openSubjects(opened: Subject[]): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const sqlite = openSqliteStores(join(folder, 'bench.db'));
  opened.push(
    {
      name: 'memory',
      version: '',
      sessions: new MemorySessionStore(),
      users: new MemoryUserStore(),
      cleanup: () => Promise.resolve(),
    },
    {
      name: 'SQLite',
      version: `better-sqlite3 ${packageVersion('better-sqlite3')}`,
      sessions: sqlite.sessions,
      users: sqlite.users,
      cleanup: async () => {
        await sqlite.close();
        rmSync(folder, { recursive: true, force: true });
      },
    },
  );

  const postgres = await findPostgres();
  if ('url' in postgres) {
    const schema = uniqueTestName();
    const stores = await openPostgresStores(postgres.url, { schema });
    const subject: Subject = {
      name: 'PostgreSQL',
      version: `pg ${packageVersion('pg')}`,
      sessions: stores.sessions,
      users: stores.users,
      cleanup: async () => {
        await stores.pool.query(`DROP SCHEMA "${schema}" CASCADE`);
        await stores.close();
      },
    };
    opened.push(subject);
    const version = await stores.pool.query<{ v: string }>('SELECT current_setting($1) AS v', [
      'server_version',
    ]);
    subject.version = `server ${version.rows[0]?.v ?? '?'}, ${subject.version}`;
  } else {
    console.log(postgres.skip);
  }

  const redis = await findRedis();
  if ('url' in redis) {
    const keyPrefix = uniqueTestName();
    const stores = await openRedisStores(redis.url);
    const subject: Subject = {
      name: 'Redis',
      version: `ioredis ${packageVersion('ioredis')}`,
      sessions: new RedisSessionStore(stores.client, { keyPrefix }),
      users: new RedisUserStore(stores.client, { keyPrefix }),
      cleanup: async () => {
        await deleteKeysWithPrefix(stores.client, keyPrefix);
        await stores.close();
      },
    };
    opened.push(subject);
    const info = await stores.client.info('server');
    subject.version = `server ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}, ${subject.version}`;
  } else {
    console.log(redis.skip);
  }
}

interface Prepared {
  /** One manager that never renews within the run, one that renews at every call. */
  reading: SessionManager;
  renewing: SessionManager;
  tokens: string[];
}

/** One user and its sessions in `subject`; checks that every token validates. */
async function prepare(subject: Subject): Promise<Prepared> {
  const userId = 'bench-user';
  await subject.users.insertUser({
    id: userId,
    email: 'bench@example.com',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$notarealhash',
    createdAt: new Date(),
    disabledAt: null,
  });
  const reading = new SessionManager(subject.sessions, {
    policy: { idleTimeoutSeconds: 86_400, renewalIntervalSeconds: 3_600 },
  });
  const renewing = new SessionManager(subject.sessions, {
    policy: { idleTimeoutSeconds: 86_400, renewalIntervalSeconds: 0 },
  });
  const tokens: string[] = [];
  for (let n = 0; n < SETTINGS.sessions; n += 1) {
    tokens.push((await reading.createSession(userId, { userAgent: 'bench' })).token);
  }
  for (const token of tokens) {
    assert.equal((await reading.validateSession(token))?.session.userId, userId, subject.name);
  }
  return { reading, renewing, tokens };
}

/**
 * Validates tokens in turn for `durationMs` (and at most SETTINGS.maxOpsPerSample calls) with
 * `inFlight` calls at a time; returns calls per second. Every answer must be the session.
 */
async function sample(subject: Prepared, benchCase: Case, durationMs: number): Promise<number> {
  const manager = benchCase.renewEveryCall ? subject.renewing : subject.reading;
  let started = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (): Promise<void> => {
    while (started < SETTINGS.maxOpsPerSample && performance.now() < deadline) {
      const token = subject.tokens[started % subject.tokens.length]!;
      started += 1;
      if ((await manager.validateSession(token)) === null)
        throw new Error('a token did not validate');
    }
  };
  await Promise.all(Array.from({ length: benchCase.inFlight }, worker));
  return (started * 1000) / (performance.now() - start);
}

function report(
  results: Array<{
    case: string;
    stores: Array<{
      store: string;
      opsPerSecond: number;
      ratioToMemory: number;
      ratioQuartiles: number[];
    }>;
  }>,
): void {
  const machine = describeMachine();
  const header = ['case', ...subjects.map((subject) => `${subject.name} (ops/s, × memory)`)];
  const rows = [
    header,
    ...results.map((result) => [
      result.case,
      ...result.stores.map((entry) =>
        entry.store === 'memory'
          ? formatOpsPerSecond(entry.opsPerSecond)
          : `${formatOpsPerSecond(entry.opsPerSecond)} (${entry.ratioToMemory.toFixed(3)})`,
      ),
    ]),
  ];
  const numeric = [false, ...subjects.map(() => true)];
  console.log(`${machine.cpuModel}, ${String(machine.cpus)} CPUs, Node ${machine.node}`);
  for (const subject of subjects)
    if (subject.version !== '') console.log(`${subject.name}: ${subject.version}`);
  console.log(
    `medians of ${String(SETTINGS.rounds)} interleaved rounds of ${String(SETTINGS.sampleMs)} ms\n`,
  );
  console.log(formatTable(rows, numeric));
  if (process.argv.includes('--markdown')) console.log(`\n${formatMarkdownTable(rows, numeric)}`);
  const path = writeResults('stores', {
    command: COMMAND,
    date: new Date().toISOString(),
    machine,
    versions: Object.fromEntries(subjects.map((subject) => [subject.name, subject.version])),
    settings: SETTINGS,
    results,
  });
  console.log(`\nwritten to ${path}`);
}

function packageVersion(name: string): string {
  const manifest = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
