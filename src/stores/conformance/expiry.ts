import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DAY_MS, MINUTE_MS, at, makeSession, makeUser } from './fixtures.js';
import { withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** Sessions inserted by the large-count test: 10,000, swept in batches of 1000. */
const LARGE_COUNT = 10_000;
const BATCH_SIZE = 1000;

/** Registers the tests of `SessionStore.deleteExpiredSessions`, the bounded expiry sweep. */
export function describeExpiryTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };
  // Sessions made by `makeSession` are absolutely expired a day after the reference time, so
  // "now" is an hour in: each test chooses which sessions are already expired.
  const NOW_MS = 60 * MINUTE_MS;
  const now = at(NOW_MS);

  void describe('expiry sweep', () => {
    test('deletes only sessions idle or absolutely expired at or before now', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const live = { idleExpiresAt: at(NOW_MS + 1), absoluteExpiresAt: at(NOW_MS + 1) };
      const expired = [
        makeSession(1, 'user-1', { ...live, idleExpiresAt: at(NOW_MS - MINUTE_MS) }),
        makeSession(2, 'user-1', { ...live, idleExpiresAt: now }),
        makeSession(3, 'user-1', { ...live, absoluteExpiresAt: at(NOW_MS - MINUTE_MS) }),
        makeSession(4, 'user-1', { ...live, absoluteExpiresAt: now }),
      ];
      const survivor = makeSession(5, 'user-1', live);
      for (const session of [...expired, survivor]) await stores.sessions.insertSession(session);

      assert.equal(await stores.sessions.deleteExpiredSessions(now, 100), 4);

      assert.deepEqual(await stores.sessions.listUserSessions('user-1'), [survivor]);
    });

    test('deletes no more sessions than the limit per call', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      for (const n of [1, 2, 3, 4, 5]) {
        await sessions.insertSession(makeSession(n, 'user-1', { idleExpiresAt: at(n) }));
      }
      await sessions.insertSession(makeSession(6, 'user-1', { idleExpiresAt: at(NOW_MS + 1) }));

      const counts = [];
      for (let call = 0; call < 4; call += 1) {
        counts.push(await sessions.deleteExpiredSessions(now, 2));
      }

      assert.deepEqual(counts, [2, 2, 1, 0]);
      const remaining = await sessions.listUserSessions('user-1');
      assert.deepEqual(
        remaining.map((session) => session.id),
        ['session-6'],
      );
    });

    test('a limit of zero deletes nothing', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      await sessions.insertSession(makeSession(1, 'user-1', { idleExpiresAt: at(0) }));

      assert.equal(await sessions.deleteExpiredSessions(now, 0), 0);

      assert.notEqual(await sessions.findSessionById('session-1'), null);
    });

    test('sweeps 10,000 expired sessions in batches of 1000, live ones kept', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      await stores.users.insertUser(makeUser(2));
      for (let n = 0; n < LARGE_COUNT; n += 1) {
        const userId = n % 2 === 0 ? 'user-1' : 'user-2';
        await stores.sessions.insertSession(makeSession(n, userId, { idleExpiresAt: at(n) }));
      }
      const live = makeSession(LARGE_COUNT, 'user-1', { idleExpiresAt: at(2 * DAY_MS) });
      await stores.sessions.insertSession(live);

      const counts = [];
      let deleted;
      do {
        deleted = await stores.sessions.deleteExpiredSessions(now, BATCH_SIZE);
        counts.push(deleted);
      } while (deleted > 0 && counts.length <= LARGE_COUNT / BATCH_SIZE);

      assert.deepEqual(counts, [...Array<number>(LARGE_COUNT / BATCH_SIZE).fill(BATCH_SIZE), 0]);
      assert.deepEqual(await stores.sessions.listUserSessions('user-1'), [live]);
      assert.deepEqual(await stores.sessions.listUserSessions('user-2'), []);
    });
  });
}
