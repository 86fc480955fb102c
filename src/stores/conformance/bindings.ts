import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MINUTE_MS, at, makeBinding, makeSession, makeUser } from './fixtures.js';
import { assertRejectsAsFailure, withStores } from './harness.js';

import type { SessionBinding, SessionRecord, SessionStore } from '../../session/types.js';
import type { ConformanceStoreFactory, ConformanceStores } from './harness.js';

/** Binds of one session started at once by the concurrent-binds test. */
const CONCURRENT_BINDS = 10;

/** A session store that can bind sessions, as the binding tests need. */
type BindingStore = SessionStore & Required<Pick<SessionStore, 'bindSession'>>;

/**
 * Registers the tests of session bindings (Device Bound Session Credentials): a binding is
 * stored with a session, read back by every lookup, set at most once by `bindSession`, and kept
 * through rotation, even by a rotation whose new record was built before the bind. Skipped for
 * a store without `bindSession`.
 */
export function describeBindingTests(makeStores: ConformanceStoreFactory): void {
  const test = (
    name: string,
    body: (stores: ConformanceStores & { sessions: BindingStore }) => Promise<void>,
  ): void => {
    void it(name, (context) =>
      withStores(makeStores, async (stores) => {
        const { sessions } = stores;
        if (sessions.bindSession === undefined) {
          context.skip('the store has no bindSession');
          return;
        }
        await body({ ...stores, sessions: sessions as BindingStore });
      }),
    );
  };

  /** Asserts that every lookup of `session` returns it exactly (its binding included). */
  const assertFoundEverywhere = async (
    sessions: SessionStore,
    session: SessionRecord,
  ): Promise<void> => {
    assert.deepEqual(await sessions.findSessionByTokenHash(session.tokenHash), session);
    assert.deepEqual(await sessions.findSessionById(session.id), session);
    const listed = await sessions.listUserSessions(session.userId);
    assert.deepEqual(
      listed.find((each) => each.id === session.id),
      session,
    );
  };

  void describe('session bindings', () => {
    test('an unbound session reads back with binding null from every lookup', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const explicit = makeSession(1, 'user-1', { binding: null });
      // A record from a caller that predates bindings has no binding member at all.
      const bare: SessionRecord = makeSession(2, 'user-1');
      delete bare.binding;
      await stores.sessions.insertSession(explicit);
      await stores.sessions.insertSession(bare);

      await assertFoundEverywhere(stores.sessions, explicit);
      await assertFoundEverywhere(stores.sessions, { ...bare, binding: null });
    });

    test('a binding round-trips through insert and every lookup', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const es256 = makeSession(1, 'user-1', { binding: makeBinding(1) });
      const rs256 = makeSession(2, 'user-1', { binding: makeBinding(2), createdAt: at(1) });
      await stores.sessions.insertSession(es256);
      await stores.sessions.insertSession(rs256);

      await assertFoundEverywhere(stores.sessions, es256);
      await assertFoundEverywhere(stores.sessions, rs256);
      const found = await stores.sessions.findSessionByTokenHash(es256.tokenHash);
      assert.ok(found?.binding?.boundAt instanceof Date);
      assert.equal(Object.getPrototypeOf(found.binding.publicKey), Object.prototype);
    });

    test('hands out copies: changing a record in or out changes nothing stored', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { binding: makeBinding(1) });
      const given = structuredClone(session);
      await stores.sessions.insertSession(given);

      given.binding?.boundAt.setTime(0);
      if (given.binding) given.binding.publicKey.x = 'changed-after-insert';
      const found = await stores.sessions.findSessionById(session.id);
      found?.binding?.boundAt.setTime(0);
      if (found?.binding) found.binding.publicKey.x = 'changed-after-find';

      await assertFoundEverywhere(stores.sessions, session);
    });

    test('bindSession binds an unbound session once, keeping the first key', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1');
      await stores.sessions.insertSession(session);
      // Read first, so that a store with a read cache holds the unbound record.
      await assertFoundEverywhere(stores.sessions, session);

      assert.equal(await stores.sessions.bindSession(session.id, makeBinding(1)), true);
      await assertFoundEverywhere(stores.sessions, { ...session, binding: makeBinding(1) });

      assert.equal(await stores.sessions.bindSession(session.id, makeBinding(2)), false);
      assert.equal(await stores.sessions.bindSession(session.id, makeBinding(1)), false);
      await assertFoundEverywhere(stores.sessions, { ...session, binding: makeBinding(1) });
    });

    test('bindSession refuses a session inserted already bound', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { binding: makeBinding(1) });
      await stores.sessions.insertSession(session);

      assert.equal(await stores.sessions.bindSession(session.id, makeBinding(2)), false);

      await assertFoundEverywhere(stores.sessions, session);
    });

    test('bindSession of a missing or deleted session returns false, creating nothing', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1');
      await sessions.insertSession(session);
      await sessions.deleteSession(session.id);

      assert.equal(await sessions.bindSession('session-unknown', makeBinding(1)), false);
      assert.equal(await sessions.bindSession(session.id, makeBinding(1)), false);

      assert.equal(await sessions.findSessionById('session-unknown'), null);
      assert.equal(await sessions.findSessionById(session.id), null);
      assert.equal(await sessions.findSessionByTokenHash(session.tokenHash), null);
      assert.deepEqual(await sessions.listUserSessions('user-1'), []);
    });

    test('bindSession binds only the session it names', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const [first, second] = [makeSession(1, 'user-1'), makeSession(2, 'user-1')];
      await sessions.insertSession(first);
      await sessions.insertSession(second);

      assert.equal(await sessions.bindSession(first.id, makeBinding(1)), true);

      await assertFoundEverywhere(sessions, { ...first, binding: makeBinding(1) });
      await assertFoundEverywhere(sessions, second);
    });

    test('rotation keeps the binding the new record carries', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      await sessions.insertSession(old);
      assert.equal(await sessions.bindSession(old.id, makeBinding(1)), true);
      // What the session manager does: the record it read, with a new id and token hash.
      const read = await sessions.findSessionByTokenHash(old.tokenHash);
      assert.ok(read !== null);
      const next = { ...read, id: 'session-2', tokenHash: makeSession(2, 'user-1').tokenHash };

      assert.deepEqual(next.binding, makeBinding(1));

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, next);
      assert.equal(await sessions.findSessionByTokenHash(old.tokenHash), null);
      assert.equal(await sessions.bindSession(next.id, makeBinding(2)), false);
    });

    test('rotation carries over a binding set after the caller read the session', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      await sessions.insertSession(old);
      // The session manager's copy, read before a bind lands (and, in a store with a read
      // cache, left there unbound).
      const read = await sessions.findSessionByTokenHash(old.tokenHash);
      assert.ok(read !== null);
      assert.equal(read.binding, null);
      assert.equal(await sessions.bindSession(old.id, makeBinding(1)), true);
      const next = { ...read, id: 'session-2', tokenHash: makeSession(2, 'user-1').tokenHash };

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, { ...next, binding: makeBinding(1) });
      assert.equal(await sessions.findSessionById(old.id), null);
      assert.equal(await sessions.findSessionByTokenHash(old.tokenHash), null);
      assert.equal(await sessions.bindSession(next.id, makeBinding(2)), false);
      await assertFoundEverywhere(sessions, { ...next, binding: makeBinding(1) });
    });

    test('rotation carries over the old binding when the new record has no binding member', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1', { binding: makeBinding(2) });
      await sessions.insertSession(old);
      const next: SessionRecord = { ...makeSession(2, 'user-1'), createdAt: at(1) };
      delete next.binding;

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, { ...next, binding: makeBinding(2) });
    });

    test('rotation keeps the new record’s own binding over the old one', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1', { binding: makeBinding(1) });
      await sessions.insertSession(old);
      const next = makeSession(2, 'user-1', { binding: makeBinding(2) });

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, next);
    });

    test('rotation of an unbound session leaves the new one unbound', async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      await sessions.insertSession(old);
      const next = makeSession(2, 'user-1');

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, next);
      assert.equal(await sessions.bindSession(next.id, makeBinding(1)), true);
    });

    test('rotation of a session inserted bound keeps its binding', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1', { binding: makeBinding(2) });
      await sessions.insertSession(old);
      const next = { ...old, id: 'session-2', tokenHash: makeSession(2, 'user-1').tokenHash };

      assert.equal(await sessions.replaceSession(old.id, next), true);

      await assertFoundEverywhere(sessions, next);
      assert.equal(await sessions.findSessionById(old.id), null);
    });

    test('renewal keeps the binding', async ({ sessions, users }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1', { binding: makeBinding(1) });
      await sessions.insertSession(session);

      await sessions.touchSession(session.id, at(10 * MINUTE_MS), at(40 * MINUTE_MS));

      await assertFoundEverywhere(sessions, {
        ...session,
        lastSeenAt: at(10 * MINUTE_MS),
        idleExpiresAt: at(40 * MINUTE_MS),
      });
    });

    test('refuses a binding it could not read back, storing nothing', async (stores) => {
      await stores.users.insertUser(makeUser(1));
      const unknownAlgorithm = { ...makeBinding(1), algorithm: 'HS256' };
      const numericMember = { ...makeBinding(1), publicKey: { kty: 'EC', x: 1 } };
      const invalidDate = { ...makeBinding(1), boundAt: new Date(Number.NaN) };
      const bad = [unknownAlgorithm, numericMember, invalidDate] as unknown as SessionBinding[];
      const session = makeSession(1, 'user-1');
      await stores.sessions.insertSession(session);

      for (const [index, binding] of bad.entries()) {
        const refused = makeSession(index + 2, 'user-1', { binding });
        await assertRejectsAsFailure(stores.sessions.insertSession(refused));
        assert.equal(await stores.sessions.findSessionById(refused.id), null);
        assert.equal(await stores.sessions.findSessionByTokenHash(refused.tokenHash), null);
        await assertRejectsAsFailure(stores.sessions.bindSession(session.id, binding));
      }

      await assertFoundEverywhere(stores.sessions, session);
      assert.deepEqual(
        (await stores.sessions.listUserSessions('user-1')).map((each) => each.id),
        [session.id],
      );
    });

    test(`${String(CONCURRENT_BINDS)} binds of one session at once: exactly one wins`, async ({
      sessions,
      users,
    }) => {
      await users.insertUser(makeUser(1));
      const session = makeSession(1, 'user-1');
      await sessions.insertSession(session);
      const bindings = Array.from({ length: CONCURRENT_BINDS }, (_, n) => makeBinding(n + 1));

      const results = await Promise.all(
        bindings.map((binding) => sessions.bindSession(session.id, binding)),
      );

      assert.equal(results.filter(Boolean).length, 1);
      const winner = bindings[results.indexOf(true)];
      await assertFoundEverywhere(sessions, { ...session, binding: winner ?? null });
    });
  });
}
