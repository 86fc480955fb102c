import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DAY_MS, MINUTE_MS, at, makeSession, makeUser } from './fixtures.js';
import { assertRejectsAsFailure, withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** Registers the tests of a `SessionStore`'s lookups, renewal, rotation and deletion. */
export function describeSessionTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };

  void describe('sessions', () => {
    test('finds an inserted session by its token hash and by its id', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1');
      await stores.sessions.insertSession(session);

      assert.deepEqual(await stores.sessions.findSessionByTokenHash(session.tokenHash), session);
      assert.deepEqual(await stores.sessions.findSessionById(session.id), session);
    });

    test('finds no session for an unknown token hash or id', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      await sessions.insertSession(makeSession(1, 'user-1'));

      assert.equal(await sessions.findSessionByTokenHash('f'.repeat(64)), null);
      assert.equal(await sessions.findSessionById('session-unknown'), null);
    });

    test('refuses a second session with a taken id or token hash, keeping the first', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const first = makeSession(1, 'user-1');
      await sessions.insertSession(first);

      // Ids and token hashes are random, so a clash can only be a caller's bug: it must fail
      // loudly rather than let one token open another session.
      await assertRejectsAsFailure(
        sessions.insertSession(makeSession(2, 'user-1', { id: first.id })),
      );
      const sameHash = makeSession(3, 'user-1', { tokenHash: first.tokenHash });
      await assertRejectsAsFailure(sessions.insertSession(sameHash));

      assert.deepEqual(await sessions.findSessionByTokenHash(first.tokenHash), first);
      assert.deepEqual(await sessions.findSessionById(first.id), first);
      assert.equal(await sessions.findSessionById(sameHash.id), null);
      assert.equal(await sessions.findSessionByTokenHash(makeSession(2, 'user-1').tokenHash), null);
    });

    test('keeps every date to the millisecond', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', {
        createdAt: at(1),
        lastSeenAt: at(MINUTE_MS + 999),
        idleExpiresAt: at(30 * MINUTE_MS + 7),
        absoluteExpiresAt: at(400 * DAY_MS + 321),
      });
      await sessions.insertSession(session);

      // Deep equality compares dates by their millisecond value.
      assert.deepEqual(await sessions.findSessionById(session.id), session);
    });

    test('keeps a null user agent as null', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { userAgent: null });
      await sessions.insertSession(session);

      const found = await sessions.findSessionById(session.id);
      assert.deepEqual(found, session);
      assert.equal(found.userAgent, null);
    });

    test('touch moves the idle expiry and last-seen time forward', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1');
      await sessions.insertSession(session);

      await sessions.touchSession(session.id, at(10 * MINUTE_MS), at(40 * MINUTE_MS));

      assert.deepEqual(await sessions.findSessionById(session.id), {
        ...session,
        lastSeenAt: at(10 * MINUTE_MS),
        idleExpiresAt: at(40 * MINUTE_MS),
      });
    });

    test('touch never moves the idle expiry backwards', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { idleExpiresAt: at(30 * MINUTE_MS) });
      await sessions.insertSession(session);
      await sessions.touchSession(session.id, at(20 * MINUTE_MS), at(50 * MINUTE_MS));

      // Slower requests that renewed earlier arrive last: they must not undo the later renewal.
      await sessions.touchSession(session.id, at(10 * MINUTE_MS), at(40 * MINUTE_MS));
      await sessions.touchSession(session.id, at(MINUTE_MS), at(20 * MINUTE_MS));

      const found = await sessions.findSessionById(session.id);
      assert.deepEqual(found?.idleExpiresAt, at(50 * MINUTE_MS));
    });

    test('touching a missing session does nothing', async ({ sessions }) => {
      await sessions.touchSession('session-gone', at(MINUTE_MS), at(40 * MINUTE_MS));

      assert.equal(await sessions.findSessionById('session-gone'), null);
    });

    test('replace swaps the old session for the new one', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      const next = makeSession(2, 'user-1', { createdAt: at(MINUTE_MS) });
      await sessions.insertSession(old);

      assert.equal(await sessions.replaceSession(old.id, next), true);

      assert.equal(await sessions.findSessionById(old.id), null);
      assert.equal(await sessions.findSessionByTokenHash(old.tokenHash), null);
      assert.deepEqual(await sessions.findSessionByTokenHash(next.tokenHash), next);
    });

    test('replace of a session already gone returns false and inserts nothing', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const next = makeSession(2, 'user-1');

      assert.equal(await stores.sessions.replaceSession('session-gone', next), false);

      assert.equal(await stores.sessions.findSessionById(next.id), null);
      assert.equal(await stores.sessions.findSessionByTokenHash(next.tokenHash), null);
    });

    test('two concurrent replaces of one session create exactly one', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      await stores.sessions.insertSession(makeSession(1, 'user-1'));

      const results = await Promise.all([
        stores.sessions.replaceSession('session-1', makeSession(2, 'user-1')),
        stores.sessions.replaceSession('session-1', makeSession(3, 'user-1')),
      ]);

      assert.deepEqual([...results].sort(), [false, true]);
      const remaining = await stores.sessions.listUserSessions('user-1');
      assert.deepEqual(
        remaining.map((session) => session.id),
        [results[0] ? 'session-2' : 'session-3'],
      );
    });

    test('a replace that cannot store the new session keeps the old one', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      const other = makeSession(2, 'user-1');
      await stores.sessions.insertSession(old);
      await stores.sessions.insertSession(other);

      // The new record reuses another session's token hash, so it cannot be stored.
      const clash = makeSession(3, 'user-1', { tokenHash: other.tokenHash });
      await assertRejectsAsFailure(stores.sessions.replaceSession(old.id, clash));

      assert.deepEqual(await stores.sessions.findSessionById(old.id), old);
      assert.deepEqual(await stores.sessions.findSessionByTokenHash(other.tokenHash), other);
      assert.equal(await stores.sessions.findSessionById(clash.id), null);
    });

    test('delete removes one session, and a missing one is no error', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      await stores.sessions.insertSession(makeSession(1, 'user-1'));
      await stores.sessions.insertSession(makeSession(2, 'user-1'));

      await stores.sessions.deleteSession('session-1');
      await stores.sessions.deleteSession('session-1');

      assert.equal(await stores.sessions.findSessionById('session-1'), null);
      assert.notEqual(await stores.sessions.findSessionById('session-2'), null);
    });

    test('deleting the sessions of a user counts them and spares others', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      await stores.users.insertUser(makeUser(2));
      for (const n of [1, 2, 3]) await stores.sessions.insertSession(makeSession(n, 'user-1'));
      await stores.sessions.insertSession(makeSession(4, 'user-2'));

      assert.equal(await stores.sessions.deleteUserSessions('user-1'), 3);
      assert.equal(await stores.sessions.deleteUserSessions('user-1'), 0);

      assert.deepEqual(await stores.sessions.listUserSessions('user-1'), []);
      assert.equal((await stores.sessions.listUserSessions('user-2')).length, 1);
    });

    test('lists only the sessions of that user, newest first, expired included', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      await stores.users.insertUser(makeUser(2));
      const expired = makeSession(1, 'user-1', { createdAt: at(-DAY_MS), idleExpiresAt: at(-1) });
      const newest = makeSession(2, 'user-1', { createdAt: at(2 * MINUTE_MS) });
      const middle = makeSession(3, 'user-1', { createdAt: at(MINUTE_MS) });
      for (const session of [middle, expired, newest]) await stores.sessions.insertSession(session);
      await stores.sessions.insertSession(makeSession(4, 'user-2', { createdAt: at(DAY_MS) }));

      assert.deepEqual(await stores.sessions.listUserSessions('user-1'), [newest, middle, expired]);
      assert.deepEqual(await stores.sessions.listUserSessions('user-unknown'), []);
    });
  });
}
