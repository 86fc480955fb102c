import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { makeBinding } from '../../src/stores/conformance/fixtures.js';
import { openSqliteDatabase, openSqliteStores } from '../../src/stores/sqlite/index.js';
import { DELETE_EXPIRED_SESSIONS_SQL } from '../../src/stores/sqlite/session-store.js';
import { makeTempFolder, withCode } from './sqlite-helpers.js';

import type { UserRecord } from '../../src/accounts/types.js';
import type { SessionRecord } from '../../src/session/types.js';

const temp = makeTempFolder();
after(() => {
  temp.remove();
});

describeSessionStoreConformance('SQLite store', () => {
  const stores = openSqliteStores(temp.path('conformance.db'));
  return Promise.resolve(stores);
});

const user: UserRecord = {
  id: 'user-1',
  email: 'ada@example.com',
  passwordHash: '$argon2id$x',
  createdAt: new Date(0),
  disabledAt: null,
};

function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    tokenHash: id.padStart(64, '0'),
    userId: user.id,
    createdAt: new Date(1_000),
    lastSeenAt: new Date(1_000),
    idleExpiresAt: new Date(2_000),
    absoluteExpiresAt: new Date(3_000),
    userAgent: null,
    binding: null,
    ...overrides,
  };
}

/** Resolves in a later event-loop turn, as the next request to a server would arrive. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

void describe('SQLite database', () => {
  void it('opens in WAL mode with NORMAL sync, foreign keys on and a 250 ms busy timeout', () => {
    const database = openSqliteDatabase(temp.path('pragmas.db'));
    try {
      assert.equal(database.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(database.pragma('synchronous', { simple: true }), 1);
      assert.equal(database.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(database.pragma('busy_timeout', { simple: true }), 250);
    } finally {
      database.close();
    }
  });

  void it('uses the busy timeout it is given', () => {
    const database = openSqliteDatabase(temp.path('timeout.db'), { busyTimeoutMs: 250 });
    assert.equal(database.pragma('busy_timeout', { simple: true }), 250);
    database.close();
  });

  void it('refuses a negative busy timeout as a configuration error naming the option', () => {
    assert.throws(
      () => openSqliteDatabase(temp.path('bad.db'), { busyTimeoutMs: -1 }),
      (error) =>
        withCode('CONFIG_INVALID')(error) &&
        (error as { option: string }).option === 'busyTimeoutMs',
    );
  });

  void it('reports a missing folder as a mistake in the path, naming the folder', () => {
    const missing = temp.path('missing');
    assert.throws(
      () => openSqliteDatabase(`${missing}/latchkey.db`),
      (error) =>
        withCode('CONFIG_INVALID')(error) &&
        (error as { message: string }).message.includes(`${missing} does not exist`),
    );
  });

  void it('reports a file that is not a database as STORE_UNAVAILABLE', () => {
    const notADatabase = temp.path('junk.db');
    writeFileSync(notADatabase, 'this is not an SQLite file, only text long enough to be read');

    assert.throws(() => openSqliteDatabase(notADatabase), withCode('STORE_UNAVAILABLE'));
  });

  void it('makes tables STRICT, so a date stored as text is refused', () => {
    const database = openSqliteDatabase(temp.path('strict.db'));
    const insert = database.prepare(
      'INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)',
    );
    assert.throws(
      () => insert.run('u', 'e@example.com', 'h', 'yesterday'),
      withCode('SQLITE_CONSTRAINT_DATATYPE'),
    );
    database.close();
  });

  void it('sweeps expired sessions with a range scan of the expiry index, deleting by key', () => {
    const database = openSqliteDatabase(temp.path('plan.db'));
    const plan = database
      .prepare<[number, number], { detail: string }>(
        `EXPLAIN QUERY PLAN ${DELETE_EXPIRED_SESSIONS_SQL}`,
      )
      .all(0, 1000)
      .map((row) => row.detail);
    database.close();

    assert.ok(
      plan.some((detail) =>
        /SEARCH sessions USING INDEX sessions_expires_at \(expires_at<\?\)/.test(detail),
      ),
      plan.join('\n'),
    );
    assert.ok(
      plan.includes('SEARCH sessions USING INTEGER PRIMARY KEY (rowid=?)'),
      plan.join('\n'),
    );
    assert.ok(!plan.some((detail) => detail.startsWith('SCAN sessions')), plan.join('\n'));
    assert.ok(!plan.some((detail) => detail.includes('autoindex')), plan.join('\n'));
  });
});

void describe('SQLite stores', () => {
  void it('share one handle, which close closes', async () => {
    const stores = openSqliteStores(temp.path('shared.db'));
    await stores.users.insertUser(user);
    await stores.sessions.insertSession(session('1'));

    await stores.close();

    assert.equal(stores.database.open, false);
  });

  void it('delete the sessions of a deleted user, only theirs (ON DELETE CASCADE)', async () => {
    const stores = openSqliteStores(temp.path('cascade.db'));
    const other = { ...user, id: 'user-2', email: 'grace@example.com' };
    await stores.users.insertUser(user);
    await stores.users.insertUser(other);
    await stores.sessions.insertSession(session('1'));
    await stores.sessions.insertSession(session('2'));
    await stores.sessions.insertSession(session('3', { userId: other.id }));

    assert.equal(await stores.users.deleteUser(user.id), true);

    assert.equal(await stores.sessions.findSessionById('1'), null);
    assert.equal(await stores.sessions.findSessionByTokenHash(session('2').tokenHash), null);
    assert.deepEqual(await stores.sessions.listUserSessions(user.id), []);
    assert.deepEqual(await stores.sessions.listUserSessions(other.id), [
      session('3', { userId: other.id }),
    ]);
    await stores.close();
  });

  void it('let only one of two connections rotate the same session', async () => {
    const path = temp.path('two-connections.db');
    const first = openSqliteStores(path);
    const second = openSqliteStores(path);
    await first.users.insertUser(user);
    await first.sessions.insertSession(session('1'));

    assert.equal(await first.sessions.replaceSession('1', session('2')), true);
    assert.equal(await second.sessions.replaceSession('1', session('3')), false);

    const remaining = await second.sessions.listUserSessions(user.id);
    assert.deepEqual(
      remaining.map((record) => record.id),
      ['2'],
    );
    await first.close();
    await second.close();
  });

  void it('refuse a session of a gone user with USER_NOT_FOUND, no store failure', async () => {
    const stores = openSqliteStores(temp.path('foreign-key.db'));
    await assert.rejects(stores.sessions.insertSession(session('1')), withCode('USER_NOT_FOUND'));
    // A login that checked the password just before the account was deleted.
    await stores.users.insertUser(user);
    await stores.users.deleteUser(user.id);
    await assert.rejects(stores.sessions.insertSession(session('2')), withCode('USER_NOT_FOUND'));

    assert.deepEqual(await stores.sessions.listUserSessions(user.id), []);
    await stores.close();
  });

  void it('report a clash of user ids as STORE_UNAVAILABLE, not EMAIL_TAKEN', async () => {
    const stores = openSqliteStores(temp.path('user-id.db'));
    await stores.users.insertUser(user);

    const clash = stores.users.insertUser({ ...user, email: 'grace@example.com' });
    await assert.rejects(clash, withCode('STORE_UNAVAILABLE'));
    await stores.close();
  });

  void it('refuse a negative sweep limit instead of reading it as no limit', async () => {
    const stores = openSqliteStores(temp.path('limit.db'));
    await stores.users.insertUser(user);
    await stores.sessions.insertSession(session('1'));

    await assert.rejects(stores.sessions.deleteExpiredSessions(new Date(10_000), -1), RangeError);

    assert.notEqual(await stores.sessions.findSessionById('1'), null);
    await stores.close();
  });

  void it('report a write blocked past the busy timeout as STORE_UNAVAILABLE', async () => {
    const path = temp.path('busy.db');
    const holder = openSqliteDatabase(path);
    const stores = openSqliteStores(path, { busyTimeoutMs: 0 });
    holder.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(stores.users.insertUser(user), (error: unknown) => {
        assert.ok(withCode('STORE_UNAVAILABLE')(error));
        assert.ok(withCode('SQLITE_BUSY')((error as Error).cause));
        return true;
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      await stores.close();
    }
  });
});

void describe('a closed SQLite store', () => {
  const stores = openSqliteStores(temp.path('closed.db'));
  const { sessions, users } = stores;
  // With the store open, each call below would answer (insertUser with EMAIL_TAKEN): only the
  // closed handle can make it fail.
  before(async () => {
    await users.insertUser(user);
    await sessions.insertSession(session('1'));
    await stores.close();
  });
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['insertSession', () => sessions.insertSession(session('2'))],
    ['findSessionByTokenHash', () => sessions.findSessionByTokenHash('0'.repeat(64))],
    ['findSessionById', () => sessions.findSessionById('1')],
    ['touchSession', () => sessions.touchSession('1', new Date(1), new Date(2))],
    ['replaceSession', () => sessions.replaceSession('1', session('2'))],
    ['deleteSession', () => sessions.deleteSession('1')],
    ['deleteUserSessions', () => sessions.deleteUserSessions(user.id)],
    ['listUserSessions', () => sessions.listUserSessions(user.id)],
    ['deleteExpiredSessions', () => sessions.deleteExpiredSessions(new Date(1), 10)],
    ['bindSession', () => sessions.bindSession('1', makeBinding(1))],
    ['incrementThrottle', () => sessions.incrementThrottle('k', new Date(1), new Date(2))],
    ['findThrottle', () => sessions.findThrottle('k', new Date(1))],
    ['deleteThrottle', () => sessions.deleteThrottle('k')],
    ['deleteExpiredThrottles', () => sessions.deleteExpiredThrottles(new Date(1), 10)],
    ['insertUser', () => users.insertUser(user)],
    ['findUserByEmail', () => users.findUserByEmail(user.email)],
    ['findUserById', () => users.findUserById(user.id)],
    ['listUsers', () => users.listUsers()],
    ['updatePasswordHash', () => users.updatePasswordHash(user.id, '$argon2id$y')],
    ['setUserDisabled', () => users.setUserDisabled(user.id, new Date(1))],
    ['deleteUser', () => users.deleteUser(user.id)],
  ];

  for (const [method, call] of calls) {
    void it(`rejects ${method} with STORE_UNAVAILABLE, never answering or throwing`, async () => {
      const pending = call();

      assert.ok(pending instanceof Promise);
      await assert.rejects(pending, withCode('STORE_UNAVAILABLE'));
    });
  }
});

void describe('SQLite session bindings', () => {
  const withStores = async (
    test: (stores: ReturnType<typeof openSqliteStores>, path: string) => Promise<void>,
  ) => {
    const path = temp.path('bindings.db');
    const stores = openSqliteStores(path);
    try {
      await stores.users.insertUser(user);
      await test(stores, path);
    } finally {
      await stores.close();
    }
  };

  void it('keeps a binding as compact JSON in the binding column, and none as NULL', () =>
    withStores(async ({ database, sessions }) => {
      const binding = {
        algorithm: 'ES256' as const,
        publicKey: { kty: 'EC' },
        boundAt: new Date(7),
      };
      await sessions.insertSession(session('1', { binding }));
      await sessions.insertSession(session('2'));

      const stored = database
        .prepare<[], { id: string; binding: string | null }>(
          'SELECT id, binding FROM sessions ORDER BY id',
        )
        .all();
      assert.deepEqual(stored, [
        { id: '1', binding: '{"alg":"ES256","jwk":{"kty":"EC"},"boundAt":7}' },
        { id: '2', binding: null },
      ]);
    }));

  void it('reports a stored binding it cannot read as STORE_UNAVAILABLE, never as unbound', () =>
    withStores(async ({ sessions }, path) => {
      const good = JSON.stringify({ alg: 'ES256', jwk: { kty: 'EC' }, boundAt: 7 });
      // What a bad manual edit could leave: each must fail the lookup rather than let the
      // session token alone authenticate a session that was bound.
      const malformed = [
        '',
        'not json',
        'null',
        '{}',
        '[]',
        '"ES256"',
        good.slice(0, -1),
        good.replace('ES256', 'none'),
        good.replace('"kty":"EC"', '"kty":1'),
        good.replace('"boundAt":7', '"boundAt":"7"'),
        `${good.slice(0, -1)},"extra":1}`,
        JSON.stringify({ alg: 'ES256', jwk: ['EC'], boundAt: 7 }),
        JSON.stringify({ alg: 'RS256', jwk: { kty: 'RSA' } }),
      ];
      // The edit comes through another connection, as from the sqlite3 shell.
      const editor = openSqliteDatabase(path);
      const update = editor.prepare('UPDATE sessions SET binding = ? WHERE id = ?');
      for (const [index, text] of malformed.entries()) {
        const id = String(index + 1);
        const record = session(id);
        await sessions.insertSession(record);
        // Read twice, so that the read cache holds the row before the edit.
        for (let read = 0; read < 2; read += 1) {
          assert.deepEqual(await sessions.findSessionByTokenHash(record.tokenHash), record);
        }
        update.run(text, id);
        await nextTurn();

        for (const lookup of [
          () => sessions.findSessionByTokenHash(record.tokenHash),
          () => sessions.findSessionById(id),
          () => sessions.listUserSessions(user.id),
        ]) {
          await assert.rejects(lookup(), withCode('STORE_UNAVAILABLE'), JSON.stringify(text));
        }
        await sessions.deleteSession(id);
      }
      editor.close();
    }));

  void it('a binding written by another process is seen at once, never hidden by a cache', async () => {
    const path = temp.path('bindings-two.db');
    const server = openSqliteStores(path);
    const cli = openSqliteStores(path);
    try {
      await server.users.insertUser(user);
      const record = session('1');
      await server.sessions.insertSession(record);
      for (let read = 0; read < 2; read += 1) {
        assert.deepEqual(await server.sessions.findSessionByTokenHash(record.tokenHash), record);
      }

      assert.equal(await cli.sessions.bindSession('1', makeBinding(1)), true);
      await nextTurn();

      const bound = { ...record, binding: makeBinding(1) };
      assert.deepEqual(await server.sessions.findSessionByTokenHash(record.tokenHash), bound);
      assert.equal(await server.sessions.bindSession('1', makeBinding(2)), false);
      assert.deepEqual(await cli.sessions.findSessionByTokenHash(record.tokenHash), bound);
    } finally {
      await cli.close();
      await server.close();
    }
  });
});
