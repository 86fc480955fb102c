// What a session lookup that misses every cache costs in SQLite, with the schema Latchkey ships
// and with a keyed one it could move to, on the same million sessions, side by side in one run.
// A design measurement for the million-session goal of issue 7 (docs/benchmarks.md, "A million
// live sessions"): it runs SQL, not Latchkey's stores.
//
//   npm run build && node --import tsx bench/lookup-schema.ts [--markdown]
//
// The shipped schema is the one `migrateDatabase` creates, seeded through Latchkey's own stores
// (bench/lib/seed-sessions.ts): finding a session with its user by token hash searches two
// indexes (`token_hash`, `users.id`) and then each table by rowid, four B-trees. The keyed
// schema is a copy of the same rows in which a session's rowid is the first 8 bytes of its token
// hash (the whole hash kept in the row, to be compared) and the users table is WITHOUT ROWID on
// its id: two B-trees. Both files are opened as the server opens them (4 MiB of page cache).
// Each round looks up the same BENCH_LOOKUPS random tokens (default 100,000) in each file, the
// order of the two swapped every round, over BENCH_ROUNDS rounds (default 5); medians.
// BENCH_SESSIONS sets the size (default 1,000,000; BENCH_QUICK=1: 100,000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import { hashToken } from 'latchkey/token';

import { FIND_WITH_USER_SQL } from '../src/stores/sqlite/session-store.js';
import { describeRun, printTable, startRun } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { seedSessions } from './lib/seed-sessions.js';
import { median } from './lib/stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (QUICK ? 100_000 : 1_000_000));
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? (QUICK ? 20_000 : 100_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
// As the server sets it (src/stores/sqlite/open.ts).
const PAGE_CACHE_KIB = 4096;

// The statement the SQLite store runs on a miss, from its source.
const SHIPPED_LOOKUP = FIND_WITH_USER_SQL;
const KEYED_LOOKUP = `
  SELECT s.token_hash, s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at,
         s.absolute_expires_at, s.user_agent, s.binding,
         u.id, u.email, u.password_hash, u.created_at, u.disabled_at
  FROM sessions AS s LEFT JOIN users AS u ON u.id = s.user_id
  WHERE s.key = ?`;
const KEYED_SCHEMA = `
  CREATE TABLE keyed.users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL, disabled_at INTEGER
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE keyed.sessions (
    key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, idle_expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL, user_agent TEXT, binding TEXT,
    expires_at INTEGER NOT NULL GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at))
  ) STRICT;
  CREATE INDEX keyed.sessions_user_id ON sessions (user_id, created_at, id);
  CREATE INDEX keyed.sessions_expires_at ON sessions (expires_at);`;

/** The keyed schema's rowid for a token hash: its first 8 bytes, as a signed 64-bit integer. */
function keyOf(tokenHash: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${tokenHash.slice(0, 16)}`));
}

const run = startRun(join(fileURLToPath(import.meta.url), '..', '..'), { drivesLoad: false });
const folder = mkdtempSync(join(tmpdir(), 'latchkey-lookup-schema-'));
try {
  const shippedPath = join(folder, 'shipped.db');
  const keyedPath = join(folder, 'keyed.db');
  const seeded = await seedSessions(shippedPath, {
    sessions: SESSIONS,
    state: 'live',
    keepTokens: true,
    label: 'schema',
  });
  process.stderr.write(`seeded ${String(SESSIONS)} sessions in ${seeded.seconds.toFixed(0)} s\n`);
  copyIntoKeyedSchema(shippedPath, keyedPath);

  const hashes = Array.from({ length: LOOKUPS }, () =>
    hashToken(seeded.tokens[Math.floor(Math.random() * seeded.tokens.length)]!),
  );
  const subjects = [
    { name: 'shipped: token_hash index, TEXT ids', path: shippedPath, sql: SHIPPED_LOOKUP },
    { name: 'keyed: rowid from the token hash', path: keyedPath, sql: KEYED_LOOKUP },
  ].map((subject) => {
    const database = new Database(subject.path, { readonly: true });
    database.pragma(`cache_size = -${String(PAGE_CACHE_KIB)}`);
    const statement = database.prepare(subject.sql).raw(true).safeIntegers(true);
    const params = subject.sql === KEYED_LOOKUP ? hashes.map(keyOf) : hashes;
    return { ...subject, database, statement, params, samples: [] as number[] };
  });

  for (const subject of subjects) timeLookups(subject.statement, subject.params.slice(0, 10_000));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order)
      subject.samples.push(timeLookups(subject.statement, subject.params));
  }
  const shippedMicros = median(subjects[0]!.samples);
  printTable(
    [
      ['schema', 'µs per lookup (median)', '× shipped'],
      ...subjects.map((subject) => [
        subject.name,
        median(subject.samples).toFixed(2),
        (median(subject.samples) / shippedMicros).toFixed(2),
      ]),
    ],
    [false, true, true],
  );
  const record = run.finish();
  const path = writeResults('lookup-schema', {
    run: record,
    settings: { sessions: SESSIONS, lookups: LOOKUPS, rounds: ROUNDS },
    rows: subjects.map(({ name, samples }) => ({ name, microsPerLookup: samples })),
  });
  process.stdout.write(
    `${String(SESSIONS)} sessions, ${String(LOOKUPS)} random lookups a round, ` +
      `${String(ROUNDS)} rounds\n${describeRun(record)}; ${path}\n`,
  );
  for (const subject of subjects) subject.database.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}

/** Copies the shipped file's users and sessions into a new file with the keyed schema. */
function copyIntoKeyedSchema(shippedPath: string, keyedPath: string): void {
  const database = new Database(shippedPath);
  try {
    database.function('session_key', { deterministic: true, safeIntegers: true }, (hash) =>
      keyOf(String(hash)),
    );
    database.prepare('ATTACH DATABASE ? AS keyed').run(keyedPath);
    database.exec('PRAGMA keyed.journal_mode = WAL');
    database.exec(KEYED_SCHEMA);
    database.transaction(() => {
      database.exec(`INSERT INTO keyed.users (id, email, password_hash, created_at, disabled_at)
        SELECT id, email, password_hash, created_at, disabled_at FROM main.users`);
      database.exec(`INSERT INTO keyed.sessions (key, id, token_hash, user_id, created_at,
          last_seen_at, idle_expires_at, absolute_expires_at, user_agent, binding)
        SELECT session_key(token_hash), id, token_hash, user_id, created_at, last_seen_at,
          idle_expires_at, absolute_expires_at, user_agent, binding FROM main.sessions`);
    })();
    database.exec('PRAGMA keyed.wal_checkpoint(TRUNCATE)');
    database.exec('DETACH DATABASE keyed');
  } finally {
    database.close();
  }
}

/** Looks every key up once; the mean time a lookup took, in microseconds. */
function timeLookups(statement: Database.Statement, params: readonly unknown[]): number {
  const started = performance.now();
  for (const param of params) {
    if (statement.get(param) === undefined) throw new Error('lookup-schema: a session is missing');
  }
  return ((performance.now() - started) * 1_000) / params.length;
}
