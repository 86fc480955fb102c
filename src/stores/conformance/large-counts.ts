import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { at, makeSession, makeUser } from './fixtures.js';
import { withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** Sessions one user holds in the large-count test. */
const SESSIONS_PER_USER = 10_000;

/** Users in the many-users test. */
const USER_COUNT = 1_000;

/** Writes started at once while filling the store: a remote store fills faster, still bounded. */
const BATCH = 100;

/**
 * Registers the tests of large counts: one user with 10,000 sessions, and 1,000 users. The
 * other large test, sweeping 10,000 expired sessions, is in expiry.ts.
 */
export function describeLargeCountTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };

  void describe('large counts', () => {
    test('lists 10,000 sessions of one user newest first, then deletes them all', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));
      await inBatches(SESSIONS_PER_USER, (n) =>
        sessions.insertSession(makeSession(n, 'user-1', { createdAt: at(n) })),
      );
      const other = makeSession(SESSIONS_PER_USER, 'user-2');
      await sessions.insertSession(other);

      const listed = await sessions.listUserSessions('user-1');

      assert.equal(listed.length, SESSIONS_PER_USER);
      const newestFirst = listed.every(
        (session, index) => session.id === `session-${String(SESSIONS_PER_USER - 1 - index)}`,
      );
      assert.ok(newestFirst, 'sessions are listed newest first');
      assert.equal(await sessions.deleteUserSessions('user-1'), SESSIONS_PER_USER);
      assert.deepEqual(await sessions.listUserSessions('user-1'), []);
      const someone = makeSession(SESSIONS_PER_USER / 2, 'user-1');
      assert.equal(await sessions.findSessionByTokenHash(someone.tokenHash), null);
      assert.equal(await sessions.findSessionById(someone.id), null);
      assert.deepEqual(await sessions.listUserSessions('user-2'), [other]);
    });

    test('lists 1,000 users oldest first, each found by email', async ({ users }) => {
      await inBatches(USER_COUNT, (n) => users.insertUser(makeUser(n)));

      const listed = await users.listUsers();

      assert.deepEqual(
        listed.map((user) => user.id),
        Array.from({ length: USER_COUNT }, (_, n) => `user-${String(n)}`),
      );
      const last = makeUser(USER_COUNT - 1);
      assert.deepEqual(await users.findUserByEmail(last.email), last);
    });
  });
}

/** Runs `write(0)` .. `write(count - 1)`, `BATCH` at a time. */
async function inBatches(count: number, write: (n: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(start + BATCH, count);
    await Promise.all(Array.from({ length: end - start }, (_, offset) => write(start + offset)));
  }
}
