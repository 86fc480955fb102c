import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { makeSession, makeUser } from '../../src/stores/conformance/fixtures.js';
import { openSqliteDatabase } from '../../src/stores/sqlite/index.js';
import { READ_CACHE_ENTRIES, ReadCache } from '../../src/stores/sqlite/read-cache.js';
import { SqliteSessionStore } from '../../src/stores/sqlite/session-store.js';
import { SqliteUserStore } from '../../src/stores/sqlite/user-store.js';
import { makeTempFolder } from './sqlite-helpers.js';

const temp = makeTempFolder();
after(() => {
  temp.remove();
});

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function openDatabase(name: string): ReturnType<typeof openSqliteDatabase> {
  return openSqliteDatabase(temp.path(name));
}

void describe('ReadCache', () => {
  void it('keeps a row only when its key is offered a second time', () => {
    const database = openDatabase('offer.db');
    const cache = new ReadCache<string>(database);
    cache.offer('a', 'first');
    assert.equal(cache.get('a'), undefined, 'seen once: noted, not kept');
    cache.offer('a', 'second');
    assert.equal(cache.get('a'), 'second', 'seen again: kept');
    database.close();
  });

  void it('keeps at most READ_CACHE_ENTRIES rows, dropping the oldest', () => {
    const database = openDatabase('bound.db');
    const cache = new ReadCache<number>(database);
    for (let index = 0; index <= READ_CACHE_ENTRIES; index += 1) cache.set(`k${index}`, index);
    assert.equal(cache.get('k0'), undefined);
    assert.equal(cache.get('k1'), 1);
    assert.equal(cache.get(`k${READ_CACHE_ENTRIES}`), READ_CACHE_ENTRIES);
    database.close();
  });

  void it('serves a row held for the turn in that turn only', async () => {
    const database = openDatabase('held.db');
    const cache = new ReadCache<string>(database);
    cache.get('x');
    cache.holdForTurn('x', 'held');
    assert.equal(cache.get('x'), 'held');
    await nextTurn();
    assert.equal(cache.get('x'), undefined);
    database.close();
  });

  void it('another connection’s write empties it, held rows included', async () => {
    const path = temp.path('two.db');
    const database = openSqliteDatabase(path);
    const other = openSqliteDatabase(path);
    const cache = new ReadCache<string>(database);
    cache.set('kept', 'value');
    cache.holdForTurn('held', 'value');
    other.prepare("INSERT INTO throttles VALUES ('k', 1, 0, 0)").run();
    await nextTurn();
    assert.equal(cache.get('kept'), undefined);
    assert.equal(cache.get('held'), undefined);
    other.close();
    database.close();
  });
});

void describe('SQLite session lookup with its user', () => {
  const setUp = async (name: string) => {
    const database = openDatabase(name);
    const sessions = new SqliteSessionStore(database);
    const users = new SqliteUserStore(database);
    const user = makeUser(1, { id: 'u1' });
    await users.insertUser(user);
    const session = makeSession(1, 'u1', { id: 's1' });
    await sessions.insertSession(session);
    return { database, sessions, users, user, session };
  };

  void it('hands the user it read over to the user store for the rest of the turn', async () => {
    const { database, sessions, users, user, session } = await setUp('handover.db');
    assert.deepEqual(await sessions.findSessionByTokenHash(session.tokenHash), session);
    // A change through the same connection does not empty the caches (the stores forget what
    // their own writes touch), so seeing the old email proves the row came from the handover.
    database.prepare("UPDATE users SET email = 'changed@example.com' WHERE id = 'u1'").run();
    assert.equal((await users.findUserById('u1'))?.email, user.email);
    await nextTurn();
    assert.equal((await users.findUserById('u1'))?.email, 'changed@example.com');
    database.close();
  });

  void it('a user disabled or deleted in the same turn is never served from the handed-over row', async () => {
    const { database, sessions, users, session } = await setUp('disabled.db');
    await sessions.findSessionByTokenHash(session.tokenHash);
    assert.equal(await users.setUserDisabled('u1', new Date(5)), true);
    assert.deepEqual((await users.findUserById('u1'))?.disabledAt, new Date(5));

    await nextTurn();
    await sessions.findSessionByTokenHash(session.tokenHash);
    assert.equal(await users.deleteUser('u1'), true);
    assert.equal(await users.findUserById('u1'), null);
    assert.equal(await sessions.findSessionByTokenHash(session.tokenHash), null);
    database.close();
  });
});
