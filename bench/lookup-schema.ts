// What a session lookup that misses every cache costs in SQLite, with the schema Latchkey ships
// (version 4, sessions keyed by their token hash) and with the one before it (version 3), on the
// same million sessions, side by side in one run. A measurement for the million-session goal of
// issue 7 (docs/benchmarks.md, "A million live sessions"): it runs SQL, not Latchkey's stores.
//
//   npm run build && node --import tsx bench/lookup-schema.ts [--markdown]
//
// The shipped schema is the one `migrateDatabase` creates, seeded through Latchkey's own stores
// (bench/lib/seed-sessions.ts): a session's rowid is made of its token hash (sessionKeyOf) and
// the users table is WITHOUT ROWID on its id, so finding a session with its user searches two
// B-trees. The version 3 file is a copy of the same rows in a database brought to version 3 by
// the first three migration steps, where sessions and users have rowids of their own: the lookup
// searches two indexes (`token_hash`, `users.id`) and then each table by rowid, four B-trees.
// Both files are opened as the server opens them (4 MiB of page cache). Each round looks up the
// same BENCH_LOOKUPS random tokens (default 100,000) in each file, the order of the two swapped
// every round, over BENCH_ROUNDS rounds (default 5); medians.
// BENCH_SESSIONS sets the size (default 1,000,000; BENCH_QUICK=1: 100,000). Last, the version 3
// file is opened as the server opens it, which migrates it to version 4, and that is timed: what
// an upgrade to schema version 4 costs a database of this size.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import { hashToken } from 'latchkey/token';

import { getSchemaVersion, migrations, openSqliteDatabase } from '../src/stores/sqlite/index.js';
import { applyMigrations } from '../src/stores/sqlite/migrate.js';
import { sessionKeyOf } from '../src/stores/sqlite/session-key.js';
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

// The statement the SQLite store runs on a miss, from its source: by key and token hash.
const SHIPPED_LOOKUP = FIND_WITH_USER_SQL;
const VERSION_3_LOOKUP = `
  SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at,
         s.absolute_expires_at, s.user_agent, s.binding,
         u.id, u.email, u.password_hash, u.created_at, u.disabled_at
  FROM sessions AS s LEFT JOIN users AS u ON u.id = s.user_id
  WHERE s.token_hash = ?`;
const run = startRun(join(fileURLToPath(import.meta.url), '..', '..'), { drivesLoad: false });
const folder = mkdtempSync(join(tmpdir(), 'latchkey-lookup-schema-'));
try {
  const shippedPath = join(folder, 'shipped.db');
  const version3Path = join(folder, 'version-3.db');
  const seeded = await seedSessions(shippedPath, {
    sessions: SESSIONS,
    state: 'live',
    keepTokens: true,
    label: 'schema',
  });
  process.stderr.write(`seeded ${String(SESSIONS)} sessions in ${seeded.seconds.toFixed(0)} s\n`);
  copyIntoVersion3Schema(shippedPath, version3Path);

  const hashes = Array.from({ length: LOOKUPS }, () =>
    hashToken(seeded.tokens[Math.floor(Math.random() * seeded.tokens.length)]!),
  );
  const subjects = [
    {
      name: 'version 3: token_hash and users.id indexes',
      path: version3Path,
      sql: VERSION_3_LOOKUP,
    },
    {
      name: 'shipped (version 4): rowid from the token hash',
      path: shippedPath,
      sql: SHIPPED_LOOKUP,
    },
  ].map((subject) => {
    const database = new Database(subject.path, { readonly: true });
    database.pragma(`cache_size = -${String(PAGE_CACHE_KIB)}`);
    const statement = database.prepare(subject.sql).raw(true).safeIntegers(true);
    const params =
      subject.sql === SHIPPED_LOOKUP
        ? hashes.map((hash) => [sessionKeyOf(hash), hash])
        : hashes.map((hash) => [hash]);
    return { ...subject, database, statement, params, samples: [] as number[] };
  });

  for (const subject of subjects) timeLookups(subject.statement, subject.params.slice(0, 10_000));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order)
      subject.samples.push(timeLookups(subject.statement, subject.params));
  }
  const version3Micros = median(subjects[0]!.samples);
  printTable(
    [
      ['schema', 'µs per lookup (median)', '× version 3'],
      ...subjects.map((subject) => [
        subject.name,
        median(subject.samples).toFixed(2),
        (median(subject.samples) / version3Micros).toFixed(2),
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

  const megabytes = (): string => (statSync(version3Path).size / 1e6).toFixed(0);
  const sizeBefore = megabytes();
  const started = performance.now();
  const migrated = openSqliteDatabase(version3Path);
  const seconds = (performance.now() - started) / 1_000;
  const version = getSchemaVersion(migrated);
  migrated.close();
  process.stdout.write(
    `opening the version 3 file migrated it to version ${String(version)} in ` +
      `${seconds.toFixed(1)} s; the file went from ${sizeBefore} MB to ${megabytes()} MB\n`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}

/** Copies the shipped file's users and sessions into a new database at schema version 3. */
function copyIntoVersion3Schema(shippedPath: string, version3Path: string): void {
  const version3 = openSqliteDatabase(version3Path, { migrate: false });
  applyMigrations(version3, migrations.slice(0, 3));
  version3.close();
  const database = new Database(shippedPath);
  try {
    database.prepare('ATTACH DATABASE ? AS v3').run(version3Path);
    database.transaction(() => {
      database.exec(`INSERT INTO v3.users (id, email, password_hash, created_at, disabled_at)
        SELECT id, email, password_hash, created_at, disabled_at FROM main.users`);
      database.exec(`INSERT INTO v3.sessions (id, token_hash, user_id, created_at, last_seen_at,
          idle_expires_at, absolute_expires_at, user_agent, binding)
        SELECT id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
          absolute_expires_at, user_agent, binding FROM main.sessions`);
    })();
    database.exec('PRAGMA v3.wal_checkpoint(TRUNCATE)');
    database.exec('DETACH DATABASE v3');
  } finally {
    database.close();
  }
}

/** Looks every session up once; the mean time a lookup took, in microseconds. */
function timeLookups(statement: Database.Statement, params: readonly unknown[][]): number {
  const started = performance.now();
  for (const param of params) {
    if (statement.get(...param) === undefined) {
      throw new Error('lookup-schema: a session is missing');
    }
  }
  return ((performance.now() - started) * 1_000) / params.length;
}
