import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';

import {
  DEFAULT_BUSY_TIMEOUT_MS,
  getSchemaVersion,
  latestSchemaVersion,
  migrateDatabase,
  migrations,
  openSqliteDatabase,
  openSqliteStores,
} from '../../src/stores/sqlite/index.js';
import { applyMigrations } from '../../src/stores/sqlite/migrate.js';
import { olderFileLockedElsewhere } from '../support/sqlite-lock.js';
import { makeTempFolder, withCode } from './sqlite-helpers.js';

import type Database from 'better-sqlite3';

const temp = makeTempFolder();
after(() => {
  temp.remove();
});

interface MigrationRow {
  version: number;
  name: string;
  applied_at: number;
}

function recorded(database: Database.Database): MigrationRow[] {
  return database
    .prepare<[], MigrationRow>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    )
    .all();
}

function tableExists(database: Database.Database, name: string): boolean {
  const row = database
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .get(name);
  return row !== undefined;
}

const extraStep = {
  version: latestSchemaVersion + 1,
  name: 'add extra',
  up: 'CREATE TABLE extra (x INTEGER) STRICT;',
};

void describe('SQLite migrations', () => {
  void it('are numbered 1, 2, 3 and so on, in order', () => {
    assert.deepEqual(
      migrations.map((step) => step.version),
      migrations.map((_, index) => index + 1),
    );
    assert.equal(latestSchemaVersion, migrations.length);
  });

  void it('bring a new database to the latest version at open and record each step', () => {
    const database = openSqliteDatabase(temp.path('new.db'));

    const rows = recorded(database);
    assert.deepEqual(
      rows.map(({ version, name }) => ({ version, name })),
      migrations.map(({ version, name }) => ({ version, name })),
    );
    assert.ok(rows.every((row) => Number.isSafeInteger(row.applied_at) && row.applied_at > 0));
    assert.equal(getSchemaVersion(database), latestSchemaVersion);
    database.close();
  });

  void it('apply nothing and record nothing twice when the database is opened again', () => {
    const path = temp.path('reopen.db');
    const first = openSqliteDatabase(path);
    const before = recorded(first);
    first.close();

    const again = openSqliteDatabase(path);
    const result = migrateDatabase(again);

    assert.deepEqual(result, {
      fromVersion: latestSchemaVersion,
      toVersion: latestSchemaVersion,
      applied: [],
    });
    assert.deepEqual(recorded(again), before);
    again.close();
  });

  void it('can be left to an explicit run, which reports what it applied', () => {
    const database = openSqliteDatabase(temp.path('explicit.db'), { migrate: false });
    assert.equal(getSchemaVersion(database), 0);

    const result = migrateDatabase(database);

    assert.deepEqual(result, {
      fromVersion: 0,
      toVersion: latestSchemaVersion,
      applied: migrations.map(({ version, name }) => ({ version, name })),
    });
    database.close();
  });

  void it('apply only the pending steps, in order', () => {
    const database = openSqliteDatabase(temp.path('pending.db'));

    const result = applyMigrations(database, [...migrations, extraStep]);

    assert.deepEqual(result.applied, [{ version: extraStep.version, name: extraStep.name }]);
    assert.equal(getSchemaVersion(database), extraStep.version);
    assert.ok(tableExists(database, 'extra'));
    database.close();
  });

  void it('roll back a failing step and leave the version where it was', () => {
    const database = openSqliteDatabase(temp.path('failing.db'));
    const failing = { ...extraStep, up: `${extraStep.up} INSERT INTO no_such_table VALUES (1);` };

    assert.throws(
      () => applyMigrations(database, [...migrations, failing]),
      withCode('STORE_UNAVAILABLE'),
    );

    assert.equal(tableExists(database, 'extra'), false);
    assert.equal(getSchemaVersion(database), latestSchemaVersion);
    database.close();
  });

  void it('upgrade a version 1 database in place, keeping its users and sessions', async () => {
    const path = temp.path('v1.db');
    const v1 = openSqliteDatabase(path, { migrate: false });
    applyMigrations(v1, migrations.slice(0, 1));
    v1.prepare('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)').run(
      'user-1',
      'ada@example.com',
      '$argon2id$x',
      1_001,
    );
    v1.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                             absolute_expires_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run('session-1', 'a'.repeat(64), 'user-1', 2_002, 3_003, 4_004, 5_005, 'curl/8.5.0');
    v1.close();

    const upgrading = openSqliteDatabase(path, { migrate: false });
    const result = migrateDatabase(upgrading);
    upgrading.close();
    const stores = openSqliteStores(path);

    assert.deepEqual(result, {
      fromVersion: 1,
      toVersion: latestSchemaVersion,
      applied: migrations.slice(1).map(({ version, name }) => ({ version, name })),
    });
    assert.deepEqual(await stores.users.findUserById('user-1'), {
      id: 'user-1',
      email: 'ada@example.com',
      passwordHash: '$argon2id$x',
      createdAt: new Date(1_001),
      disabledAt: null,
    });
    assert.deepEqual(await stores.sessions.findSessionById('session-1'), {
      id: 'session-1',
      tokenHash: 'a'.repeat(64),
      userId: 'user-1',
      createdAt: new Date(2_002),
      lastSeenAt: new Date(3_003),
      idleExpiresAt: new Date(4_004),
      absoluteExpiresAt: new Date(5_005),
      userAgent: 'curl/8.5.0',
      binding: null,
    });
    assert.equal(await stores.users.setUserDisabled('user-1', new Date(6_006)), true);
    assert.equal((await stores.users.findUserById('user-1'))?.disabledAt?.getTime(), 6_006);
    const throttle = await stores.sessions.incrementThrottle('login:a', new Date(0), new Date(1));
    assert.equal(throttle.failures, 1);
    await stores.close();
  });

  void it('upgrade a version 2 database in place, its sessions unbound and bindable', async () => {
    const path = temp.path('v2.db');
    const v2 = openSqliteDatabase(path, { migrate: false });
    applyMigrations(v2, migrations.slice(0, 2));
    v2.prepare(
      `INSERT INTO users (id, email, password_hash, created_at, disabled_at)
       VALUES (?, ?, ?, ?, ?)`,
    ).run('user-1', 'ada@example.com', '$argon2id$x', 1_001, null);
    const insertSession = v2.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                             absolute_expires_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insertSession.run('session-1', 'a'.repeat(64), 'user-1', 2_002, 3_003, 4_004, 5_005, null);
    insertSession.run('session-2', 'b'.repeat(64), 'user-1', 2_003, 3_003, 4_004, 5_005, 'curl');
    v2.close();

    const stores = openSqliteStores(path);
    const first = {
      id: 'session-1',
      tokenHash: 'a'.repeat(64),
      userId: 'user-1',
      createdAt: new Date(2_002),
      lastSeenAt: new Date(3_003),
      idleExpiresAt: new Date(4_004),
      absoluteExpiresAt: new Date(5_005),
      userAgent: null,
      binding: null,
    };
    const second = {
      ...first,
      id: 'session-2',
      tokenHash: 'b'.repeat(64),
      createdAt: new Date(2_003),
      userAgent: 'curl',
    };

    assert.equal(getSchemaVersion(stores.database), latestSchemaVersion);
    assert.deepEqual(await stores.sessions.findSessionByTokenHash(first.tokenHash), first);
    assert.deepEqual(await stores.sessions.listUserSessions('user-1'), [second, first]);
    const binding = { algorithm: 'ES256' as const, publicKey: { kty: 'EC' }, boundAt: new Date(9) };
    assert.equal(await stores.sessions.bindSession('session-1', binding), true);
    assert.deepEqual(await stores.sessions.findSessionById('session-1'), { ...first, binding });
    assert.deepEqual(await stores.sessions.findSessionById('session-2'), second);
    await stores.close();
  });

  void it('upgrade version 3 to sessions keyed by token hash, keeping every row', async () => {
    const path = temp.path('v3.db');
    const v3 = openSqliteDatabase(path, { migrate: false });
    applyMigrations(v3, migrations.slice(0, 3));
    const insertUser = v3.prepare(
      `INSERT INTO users (id, email, password_hash, created_at, disabled_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    insertUser.run('user-1', 'ada@example.com', '$argon2id$x', 1_001, null);
    insertUser.run('user-2', 'bob@example.com', '$argon2id$y', 1_002, 7_007);
    const insertSession = v3.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                             absolute_expires_at, user_agent, binding)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const stored = '{"alg":"ES256","jwk":{"kty":"EC"},"boundAt":9}';
    const tail = '0123456789abcdef';
    // The first two share a key (their last 16 hex digits): one of them cannot be kept.
    insertSession.run('s-1', `${'a'.repeat(48)}${tail}`, 'user-1', 1, 2, 3, 4, null, null);
    insertSession.run('s-2', `${'b'.repeat(48)}${tail}`, 'user-1', 1, 2, 3, 4, null, null);
    insertSession.run('s-3', 'not a hex hash', 'user-1', 5, 6, 7, 8, null, null);
    insertSession.run('s-4', 'c'.repeat(64), 'user-2', 9, 10, 11, 12, 'curl', stored);
    v3.close();

    const upgrading = openSqliteDatabase(path, { migrate: false });
    const result = migrateDatabase(upgrading);
    upgrading.close();
    const stores = openSqliteStores(path);

    assert.deepEqual(result.applied, [{ version: 4, name: migrations[3]!.name }]);
    assert.deepEqual(await stores.users.findUserById('user-2'), {
      id: 'user-2',
      email: 'bob@example.com',
      passwordHash: '$argon2id$y',
      createdAt: new Date(1_002),
      disabledAt: new Date(7_007),
    });
    const pair = await Promise.all(
      [`${'a'.repeat(48)}${tail}`, `${'b'.repeat(48)}${tail}`].map((hash) =>
        stores.sessions.findSessionByTokenHash(hash),
      ),
    );
    assert.equal(pair.filter((record) => record !== null).length, 1, 'one of the pair is kept');
    assert.deepEqual(await stores.sessions.findSessionByTokenHash('c'.repeat(64)), {
      id: 's-4',
      tokenHash: 'c'.repeat(64),
      userId: 'user-2',
      createdAt: new Date(9),
      lastSeenAt: new Date(10),
      idleExpiresAt: new Date(11),
      absoluteExpiresAt: new Date(12),
      userAgent: 'curl',
      binding: { algorithm: 'ES256', publicKey: { kty: 'EC' }, boundAt: new Date(9) },
    });
    assert.deepEqual(await stores.sessions.findSessionByTokenHash('not a hex hash'), {
      id: 's-3',
      tokenHash: 'not a hex hash',
      userId: 'user-1',
      createdAt: new Date(5),
      lastSeenAt: new Date(6),
      idleExpiresAt: new Date(7),
      absoluteExpiresAt: new Date(8),
      userAgent: null,
      binding: null,
    });
    // The foreign key still cascades, and still names the rebuilt users table.
    assert.equal(await stores.users.deleteUser('user-1'), true);
    assert.equal(await stores.sessions.findSessionById('s-3'), null);
    assert.equal((await stores.sessions.findSessionById('s-4'))?.userId, 'user-2');
    assert.deepEqual(stores.database.pragma('foreign_key_check'), []);
    await stores.close();
  });

  void it('upgrade to version 4 past a session whose user is gone, dropping that session', () => {
    const path = temp.path('orphan.db');
    const v3 = openSqliteDatabase(path, { migrate: false });
    applyMigrations(v3, migrations.slice(0, 3));
    v3.prepare(
      `INSERT INTO users (id, email, password_hash, created_at) VALUES ('user-1', 'a@b.c', 'h', 1)`,
    ).run();
    // As the sqlite3 shell leaves it when a user is deleted there: foreign keys are off.
    v3.pragma('foreign_keys = OFF');
    const insertSession = v3.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                             absolute_expires_at)
       VALUES (?, ?, ?, 1, 1, 1, 1)`,
    );
    insertSession.run('kept', 'a'.repeat(64), 'user-1');
    insertSession.run('orphan', 'b'.repeat(64), 'user-gone');
    v3.close();

    const upgraded = openSqliteDatabase(path);
    const ids = upgraded.prepare('SELECT id FROM sessions ORDER BY id').pluck().all();
    const version = getSchemaVersion(upgraded);
    const dangling = upgraded.pragma('foreign_key_check');
    upgraded.close();

    assert.equal(version, latestSchemaVersion);
    assert.deepEqual(ids, ['kept']);
    assert.deepEqual(dangling, []);
  });

  // A file at schema version `steps`, whose write lock another process keeps for holdMs.
  async function lockedOldFile(
    name: string,
    holdMs: number,
    steps = 3,
  ): Promise<{ path: string; released: Promise<unknown> }> {
    const path = temp.path(name);
    const { released } = await olderFileLockedElsewhere(path, holdMs, steps);
    return { path, released };
  }

  void it('wait for another process’s write lock instead of failing at once', async () => {
    const holdMs = 1_500;
    const { path, released: exited } = await lockedOldFile('locked.db', holdMs);

    const started = performance.now();
    const database = openSqliteDatabase(path);
    const waited = performance.now() - started;
    const version = getSchemaVersion(database);
    const busyTimeout = database.pragma('busy_timeout', { simple: true });
    database.close();
    await exited;

    assert.equal(version, latestSchemaVersion);
    assert.ok(waited > holdMs / 2, `the migration waited ${waited.toFixed(0)} ms`);
    assert.equal(busyTimeout, DEFAULT_BUSY_TIMEOUT_MS, 'the handle’s own busy timeout is back');
  });

  void it('say once, after a second, that they wait for a lock, then finish', async () => {
    const holdMs = 2_500;
    const { path, released } = await lockedOldFile('told.db', holdMs);
    const told: number[] = [];
    const started = performance.now();
    const database = openSqliteDatabase(path, {
      onMigrationWait: () => told.push(performance.now() - started),
    });
    const version = getSchemaVersion(database);
    const busyTimeout = database.pragma('busy_timeout', { simple: true });
    database.close();
    await released;

    assert.equal(version, latestSchemaVersion);
    assert.equal(told.length, 1, 'told once, for all the steps');
    assert.ok(told[0]! >= 900 && told[0]! < holdMs, `told after ${told[0]!.toFixed(0)} ms`);
    assert.equal(busyTimeout, DEFAULT_BUSY_TIMEOUT_MS, 'the handle’s own busy timeout is back');

    // A new file, before even the table of migrations is made: the same.
    const fresh = await lockedOldFile('told-new.db', holdMs, 0);
    const freshTold: number[] = [];
    const freshStart = performance.now();
    const created = openSqliteDatabase(fresh.path, {
      onMigrationWait: () => freshTold.push(performance.now() - freshStart),
    });
    const createdVersion = getSchemaVersion(created);
    created.close();
    await fresh.released;
    assert.equal(createdVersion, latestSchemaVersion);
    assert.equal(freshTold.length, 1);

    // Nothing to wait for: nothing said.
    const quiet = temp.path('quiet.db');
    const old = openSqliteDatabase(quiet, { migrate: false });
    applyMigrations(old, migrations.slice(0, 3));
    old.close();
    openSqliteDatabase(quiet, { onMigrationWait: () => told.push(-1) }).close();
    assert.equal(told.length, 1);
  });

  void it('refuse a database migrated by a newer release with SCHEMA_TOO_NEW', () => {
    const path = temp.path('too-new.db');
    const newer = openSqliteDatabase(path);
    applyMigrations(newer, [...migrations, extraStep]);
    assert.throws(() => migrateDatabase(newer), withCode('SCHEMA_TOO_NEW'));
    newer.close();

    assert.throws(() => openSqliteDatabase(path), withCode('SCHEMA_TOO_NEW'));
  });
});
