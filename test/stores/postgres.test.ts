import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { makeSession, makeUser } from '../../src/stores/conformance/fixtures.js';
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

    void it('refuses a session for a user it does not know as STORE_UNAVAILABLE', async () => {
      await empty();

      await assert.rejects(
        stores.sessions.insertSession(makeSession(1, 'user-unknown')),
        withCode('STORE_UNAVAILABLE'),
      );
    });

    void it('refuses a negative or fractional sweep limit rather than sweep all', async () => {
      for (const limit of [-1, 1.5, Number.NaN]) {
        await assert.rejects(stores.sessions.deleteExpiredSessions(new Date(), limit), RangeError);
        await assert.rejects(stores.sessions.deleteExpiredThrottles(new Date(), limit), RangeError);
      }
    });

    void it('reports a schema without tables as STORE_UNAVAILABLE on first use', async () => {
      const unmigrated = new PostgresSessionStore(stores.pool, { schema: uniqueTestName() });

      await assert.rejects(unmigrated.findSessionById('session-1'), withCode('STORE_UNAVAILABLE'));
    });
  });
}
