import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { makeBinding, makeSession, makeUser } from '../../src/stores/conformance/fixtures.js';
import {
  DEFAULT_POSTGRES_POOL_CONFIG,
  PostgresSessionStore,
  openPostgresStores,
} from '../../src/stores/postgres/index.js';
import { findPostgres, uniqueTestName } from '../support/shared-stores.js';
import { withCode } from './sqlite-helpers.js';

// One schema for this run of this file, dropped at the end; each test starts from empty tables.
const found = await findPostgres();

if ('skip' in found) {
  void it('PostgreSQL store conformance', { skip: found.skip }, () => undefined);
} else {
  const schema = uniqueTestName();
  const stores = await openPostgresStores(found.url, { schema });
  const empty = () =>
    stores.pool.query(`TRUNCATE "${schema}".sessions, "${schema}".users, "${schema}".throttles`);
  after(async () => {
    await stores.pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await stores.close();
  });

  describeSessionStoreConformance('PostgreSQL store', async () => {
    await empty();
    return { sessions: stores.sessions, users: stores.users, close: () => Promise.resolve() };
  });

  void describe('PostgreSQL store', () => {
    void it('opens its pool with the documented timeouts', () => {
      const options = stores.pool.options as unknown as Record<string, unknown>;
      for (const [name, value] of Object.entries(DEFAULT_POSTGRES_POOL_CONFIG)) {
        assert.equal(options[name], value, name);
      }
      assert.deepEqual(
        {
          max: options.max,
          connectionTimeoutMillis: options.connectionTimeoutMillis,
          statement_timeout: options.statement_timeout,
          query_timeout: options.query_timeout,
        },
        { max: 10, connectionTimeoutMillis: 2_000, statement_timeout: 2_000, query_timeout: 2_500 },
      );
    });

    void it('reports a duplicate user id as STORE_UNAVAILABLE, not EMAIL_TAKEN', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));

      await assert.rejects(
        stores.users.insertUser(makeUser(1, { email: 'other@example.com' })),
        withCode('STORE_UNAVAILABLE'),
      );
    });

    void it('deletes the sessions of a deleted user with it', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));
      await stores.sessions.insertSession(makeSession(1, 'user-1'));

      assert.equal(await stores.users.deleteUser('user-1'), true);

      assert.equal(await stores.sessions.findSessionById('session-1'), null);
    });

    void it('refuses a session of a gone user with USER_NOT_FOUND, no store failure', async () => {
      await empty();
      await assert.rejects(
        stores.sessions.insertSession(makeSession(1, 'user-unknown')),
        withCode('USER_NOT_FOUND'),
      );
      // A login that checked the password just before the account was deleted.
      await stores.users.insertUser(makeUser(1));
      await stores.users.deleteUser('user-1');
      await assert.rejects(
        stores.sessions.insertSession(makeSession(2, 'user-1')),
        withCode('USER_NOT_FOUND'),
      );
    });

    void it('a deletion racing rotations of the user’s sessions never deadlocks', async () => {
      await empty();
      // A rotation locks the old session's row, then the user's row for the new one's foreign
      // key; a deletion must take them in that order too, or the two wait on each other.
      const failures: string[] = [];
      const started = Date.now();
      for (let round = 0; round < 150 && Date.now() - started < 20_000; round += 1) {
        const userId = `user-${String(round)}`;
        await stores.users.insertUser(makeUser(round, { id: userId }));
        const sessions = [0, 1, 2, 3].map((n) => makeSession(round * 10 + n, userId));
        for (const session of sessions) await stores.sessions.insertSession(session);
        const outcomes = await Promise.allSettled([
          ...sessions.map((session, n) =>
            stores.sessions.replaceSession(session.id, makeSession(round * 10 + 5 + n, userId)),
          ),
          stores.users.deleteUser(userId),
        ]);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') failures.push(String(outcome.reason));
        }
        const deleted = outcomes.at(-1);
        assert.ok(deleted?.status === 'fulfilled' && deleted.value, 'the deletion went through');
        assert.deepEqual(await stores.sessions.listUserSessions(userId), []);
      }
      assert.deepEqual(failures, []);
    });

    void it('refuses a negative or fractional sweep limit rather than sweep all', async () => {
      for (const limit of [-1, 1.5, Number.NaN]) {
        await assert.rejects(stores.sessions.deleteExpiredSessions(new Date(), limit), RangeError);
        await assert.rejects(stores.sessions.deleteExpiredThrottles(new Date(), limit), RangeError);
      }
    });

    void it('keeps a binding as jsonb in the binding column, and none as NULL', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));
      await stores.sessions.insertSession(makeSession(1, 'user-1', { binding: makeBinding(1) }));
      await stores.sessions.insertSession(makeSession(2, 'user-1'));

      const { rows } = await stores.pool.query<{ id: string; binding: unknown; type: string }>(
        `SELECT id, binding, pg_typeof(binding)::text AS type FROM "${schema}".sessions
         ORDER BY id`,
      );
      const { algorithm, publicKey, boundAt } = makeBinding(1);
      assert.deepEqual(rows, [
        {
          id: 'session-1',
          binding: { alg: algorithm, jwk: publicKey, boundAt: boundAt.getTime() },
          type: 'jsonb',
        },
        { id: 'session-2', binding: null, type: 'jsonb' },
      ]);
    });

    void it('reports a stored binding it cannot read as STORE_UNAVAILABLE, never as unbound', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));
      const good = { alg: 'ES256', jwk: { kty: 'EC' }, boundAt: 7 };
      // What a bad manual edit could leave (jsonb refuses text that is not JSON at all): each
      // must fail the lookup rather than let the session token alone authenticate.
      const malformed = [
        'null',
        '{}',
        '[]',
        '"ES256"',
        JSON.stringify({ ...good, alg: 'none' }),
        JSON.stringify({ ...good, jwk: { kty: 1 } }),
        JSON.stringify({ ...good, boundAt: '7' }),
        JSON.stringify({ ...good, boundAt: 7.5 }),
        JSON.stringify({ ...good, extra: 1 }),
      ];
      for (const [index, text] of malformed.entries()) {
        const session = makeSession(index + 1, 'user-1');
        await stores.sessions.insertSession(session);
        await stores.pool.query(
          `UPDATE "${schema}".sessions SET binding = $1::jsonb WHERE id = $2`,
          [text, session.id],
        );

        for (const lookup of [
          () => stores.sessions.findSessionByTokenHash(session.tokenHash),
          () => stores.sessions.findSessionById(session.id),
          () => stores.sessions.listUserSessions('user-1'),
        ]) {
          await assert.rejects(lookup(), withCode('STORE_UNAVAILABLE'), text);
        }
        await stores.sessions.deleteSession(session.id);
      }
    });

    void it('lets one of two pools bind a session, the other finding it bound', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));
      await stores.sessions.insertSession(makeSession(1, 'user-1'));
      const others = await openPostgresStores(found.url, { schema, migrate: false });
      try {
        const results = await Promise.all([
          stores.sessions.bindSession('session-1', makeBinding(1)),
          others.sessions.bindSession('session-1', makeBinding(2)),
        ]);

        assert.deepEqual([...results].sort(), [false, true]);
        const winner = makeBinding(results[0] ? 1 : 2);
        assert.deepEqual((await others.sessions.findSessionById('session-1'))?.binding, winner);
      } finally {
        await others.close();
      }
    });

    void it('a rotation that waits on a bind’s row lock carries the binding it commits', async () => {
      await empty();
      await stores.users.insertUser(makeUser(1));
      const old = makeSession(1, 'user-1');
      await stores.sessions.insertSession(old);
      const { algorithm, publicKey, boundAt } = makeBinding(1);
      const stored = JSON.stringify({ alg: algorithm, jwk: publicKey, boundAt: boundAt.getTime() });
      const binder = await stores.pool.connect();
      let rotation: Promise<boolean> | undefined;
      try {
        // A bind in flight: it holds the old row's lock until it commits.
        await binder.query('BEGIN');
        await binder.query(
          `UPDATE "${schema}".sessions SET binding = $2::jsonb WHERE id = $1 AND binding IS NULL`,
          [old.id, stored],
        );
        rotation = stores.sessions.replaceSession(old.id, makeSession(2, 'user-1'));
        // Wait until the rotation is blocked on that lock, so that the order is certain.
        for (let tries = 0; ; tries += 1) {
          // Asked on another connection: in the binder's transaction, pg_stat_activity would
          // show the snapshot it took at its first read.
          const waiting = await stores.pool.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()`,
            [`%DELETE FROM "${schema}".sessions WHERE id = $1 RETURNING id, binding%`],
          );
          if (waiting.rowCount === 1) break;
          assert.ok(tries < 100, 'the rotation never waited for the bind');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await binder.query('COMMIT');
        binder.release();
      } catch (error) {
        // Destroyed, not returned to the pool with its transaction open.
        binder.release(true);
        throw error;
      }

      assert.equal(await rotation, true);
      assert.deepEqual(
        await stores.sessions.findSessionById('session-2'),
        makeSession(2, 'user-1', { binding: makeBinding(1) }),
      );
    });

    void it('reports a schema without tables as STORE_UNAVAILABLE on first use', async () => {
      const unmigrated = new PostgresSessionStore(stores.pool, { schema: uniqueTestName() });

      await assert.rejects(unmigrated.findSessionById('session-1'), withCode('STORE_UNAVAILABLE'));
    });
  });
}
