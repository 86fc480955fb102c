import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { hashToken } from '../../src/token/index.js';
import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { sessionKeyOf } from '../../src/stores/sqlite/session-key.js';
import { FIND_WITH_USER_SQL } from '../../src/stores/sqlite/session-store.js';
import { makeTempFolder, withCode } from './sqlite-helpers.js';

import type { SessionRecord } from '../../src/session/types.js';

const temp = makeTempFolder();
after(() => {
  temp.remove();
});

const user = {
  id: 'user-1',
  email: 'ada@example.com',
  passwordHash: '$argon2id$x',
  createdAt: new Date(0),
  disabledAt: null,
};

function session(id: string, tokenHash: string): SessionRecord {
  return {
    id,
    tokenHash,
    userId: user.id,
    createdAt: new Date(1_000),
    lastSeenAt: new Date(1_000),
    idleExpiresAt: new Date(8_000_000_000_000),
    absoluteExpiresAt: new Date(8_000_000_000_000),
    userAgent: null,
    binding: null,
  };
}

// Two 64-hex-character hashes with the same last 16 characters: the same key.
const TAIL = '0123456789abcdef';
const first = `${'a'.repeat(48)}${TAIL}`;
const twin = `${'b'.repeat(48)}${TAIL}`;

void describe('sessionKeyOf', () => {
  void it('is the last 8 bytes of a hex token hash, as a signed 64-bit integer', () => {
    assert.equal(sessionKeyOf(first), 0x0123456789abcdefn);
    assert.equal(sessionKeyOf(`${'0'.repeat(48)}ffffffffffffffff`), -1n);
    const hash = hashToken('a token');
    assert.equal(sessionKeyOf(hash), BigInt.asIntN(64, BigInt(`0x${hash.slice(48)}`)));
  });

  void it('spreads other strings by their SHA-256, and gives each string one key', () => {
    // Upper-case hex, and hex strings of 63 and 65 characters.
    const keys = ['hash-1', 'hash-2', first.toUpperCase(), first.slice(1), `${first}0`].map(
      sessionKeyOf,
    );
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(!keys.includes(sessionKeyOf(first)));
    assert.equal(sessionKeyOf('hash-1'), keys[0]);
    assert.ok(keys.every((key) => key >= -(2n ** 63n) && key < 2n ** 63n));
  });
});

void describe('SQLite sessions keyed by their token hash', () => {
  void it('finds a session and its user with two B-tree searches, no index in between', () => {
    const stores = openSqliteStores(temp.path('plan.db'));
    const plan = stores.database
      .prepare<[bigint, string], { detail: string }>(`EXPLAIN QUERY PLAN ${FIND_WITH_USER_SQL}`)
      .all(1n, first)
      .map((row) => row.detail);
    void stores.close();

    assert.deepEqual(plan, [
      'SEARCH s USING INTEGER PRIMARY KEY (rowid=?)',
      'SEARCH u USING PRIMARY KEY (id=?) LEFT-JOIN',
    ]);
  });

  void it('refuses a forged token hash that shares a stored session’s key', async () => {
    const stores = openSqliteStores(temp.path('forged.db'));
    await stores.users.insertUser(user);
    await stores.sessions.insertSession(session('session-1', first));

    assert.equal(await stores.sessions.findSessionByTokenHash(twin), null);
    // Asked twice, as a cached row would be served the second time.
    assert.equal(await stores.sessions.findSessionByTokenHash(twin), null);
    assert.equal((await stores.sessions.findSessionByTokenHash(first))?.id, 'session-1');
    await stores.close();
  });

  void it('refuses a session whose hash has a stored one’s key, keeping that one', async () => {
    const stores = openSqliteStores(temp.path('collision.db'));
    await stores.users.insertUser(user);
    await stores.sessions.insertSession(session('session-1', first));

    await assert.rejects(
      stores.sessions.insertSession(session('session-2', twin)),
      withCode('STORE_UNAVAILABLE'),
    );

    assert.equal((await stores.sessions.findSessionByTokenHash(first))?.id, 'session-1');
    assert.equal(await stores.sessions.findSessionByTokenHash(twin), null);
    assert.equal(await stores.sessions.findSessionById('session-2'), null);
    await stores.close();
  });

  void it('stores sessions whose hashes are any strings, not only hex', async () => {
    const stores = openSqliteStores(temp.path('any-string.db'));
    await stores.users.insertUser(user);
    const hashes = ['hash-1', 'hash-2', first.toUpperCase(), first, ''];
    for (const [index, hash] of hashes.entries()) {
      await stores.sessions.insertSession(session(`session-${String(index)}`, hash));
    }

    for (const [index, hash] of hashes.entries()) {
      assert.equal(
        (await stores.sessions.findSessionByTokenHash(hash))?.id,
        `session-${String(index)}`,
      );
    }
    await stores.close();
  });
});
