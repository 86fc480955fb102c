import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MINUTE_MS, at, makeSession, makeUser } from './fixtures.js';
import { assertRejectsWithCode, withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** Rotations of one session started at once by the many-rotations test. */
const CONCURRENT_ROTATIONS = 10;

/**
 * Registers the tests of concurrent writes: two requests extending and rotating one session at
 * once lose nothing and create no second session, and a revocation racing a rotation leaves
 * nothing behind. Every call is started before any is awaited.
 */
export function describeConcurrencyTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };

  void describe('concurrent writes', () => {
    test('a rotation, a renewal and a second rotation at once leave one session', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      const [first, second] = [makeSession(2, 'user-1'), makeSession(3, 'user-1')];
      await sessions.insertSession(old);

      const [firstRotated, , secondRotated] = await Promise.all([
        sessions.replaceSession(old.id, first),
        sessions.touchSession(old.id, at(10 * MINUTE_MS), at(40 * MINUTE_MS)),
        sessions.replaceSession(old.id, second),
      ]);

      assert.notEqual(firstRotated, secondRotated, 'exactly one rotation wins');
      const [winner, loser] = firstRotated ? [first, second] : [second, first];
      assert.deepEqual(await sessions.listUserSessions('user-1'), [winner]);
      assert.deepEqual(await sessions.findSessionByTokenHash(winner.tokenHash), winner);
      for (const gone of [old, loser]) {
        assert.equal(await sessions.findSessionById(gone.id), null);
        assert.equal(await sessions.findSessionByTokenHash(gone.tokenHash), null);
      }
    });

    test('ten rotations of one session at once create exactly one', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      await sessions.insertSession(makeSession(0, 'user-1'));
      const candidates = Array.from({ length: CONCURRENT_ROTATIONS }, (_, n) =>
        makeSession(n + 1, 'user-1'),
      );

      const results = await Promise.all(
        candidates.map((next) => sessions.replaceSession('session-0', next)),
      );

      assert.equal(results.filter(Boolean).length, 1);
      const winner = candidates[results.indexOf(true)];
      assert.deepEqual(await sessions.listUserSessions('user-1'), [winner]);
    });

    test('renewals arriving at once keep the latest idle expiry', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { idleExpiresAt: at(30 * MINUTE_MS) });
      await sessions.insertSession(session);
      const minutes = [35, 50, 31, 45, 40, 20, 49];

      await Promise.all(
        minutes.map((minute) =>
          sessions.touchSession(session.id, at((minute - 30) * MINUTE_MS), at(minute * MINUTE_MS)),
        ),
      );

      assert.deepEqual(await sessions.findSessionById(session.id), {
        ...session,
        lastSeenAt: at(20 * MINUTE_MS),
        idleExpiresAt: at(50 * MINUTE_MS),
      });
    });

    test('a revocation racing a rotation leaves the old session gone and no stray one', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      const next = makeSession(2, 'user-1');
      await sessions.insertSession(old);

      const [, rotated] = await Promise.all([
        sessions.deleteSession(old.id),
        sessions.replaceSession(old.id, next),
      ]);

      // Either the rotation came first (and its caller holds the new token), or the revocation
      // did and nothing is left; never a session that nobody was told about.
      assert.equal(await sessions.findSessionById(old.id), null);
      assert.equal(await sessions.findSessionByTokenHash(old.tokenHash), null);
      assert.deepEqual(await sessions.listUserSessions('user-1'), rotated ? [next] : []);
    });

    test('two registrations of one email at once create one account', async ({ users }) => {
      const email = 'same@example.com';
      const attempts = [1, 2, 3].map((n) => users.insertUser(makeUser(n, { email })));

      const outcomes = await Promise.allSettled(attempts);

      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') {
          await assertRejectsWithCode(attempts[index] ?? Promise.resolve(), 'EMAIL_TAKEN');
        }
      }
      const listed = await users.listUsers();
      assert.equal(listed.length, 1);
      assert.deepEqual(await users.findUserByEmail(email), listed[0]);
    });

    test('a registration and two email changes racing for one email leave one owner', async ({
      users,
    }) => {
      const email = 'wanted@example.com';
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));
      const attempts = [
        users.updateUserEmail('user-1', email),
        users.insertUser(makeUser(3, { email })),
        users.updateUserEmail('user-2', email),
      ];

      const outcomes = await Promise.allSettled(attempts);

      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') {
          await assertRejectsWithCode(attempts[index] ?? Promise.resolve(), 'EMAIL_TAKEN');
        }
      }
      const owners = (await users.listUsers()).filter((user) => user.email === email);
      assert.equal(owners.length, 1);
      assert.deepEqual(await users.findUserByEmail(email), owners[0]);
      // Whoever lost keeps their own email.
      for (const n of [1, 2]) {
        const user = await users.findUserById(`user-${n}`);
        if (user?.email !== email) {
          assert.deepEqual(await users.findUserByEmail(`user${n}@example.com`), makeUser(n));
        }
      }
    });
  });
}
