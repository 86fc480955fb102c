import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { openSqliteDatabase, openSqliteStores } from '../../src/stores/sqlite/index.js';
import { DELETE_EXPIRED_THROTTLES_SQL } from '../../src/stores/sqlite/throttles.js';
import { makeTempFolder, withCode } from './sqlite-helpers.js';

const temp = makeTempFolder();
after(() => {
  temp.remove();
});

/** How long each counter lives after its latest failure in these tests: 15 minutes. */
const WINDOW_MS = 15 * 60_000;

void describe('SQLite throttles', () => {
  void it('sweep expired counters with a range scan of the expiry index', () => {
    const database = openSqliteDatabase(temp.path('plan.db'));
    const plan = database
      .prepare<[number, number], { detail: string }>(
        `EXPLAIN QUERY PLAN ${DELETE_EXPIRED_THROTTLES_SQL}`,
      )
      .all(0, 1000)
      .map((row) => row.detail);
    database.close();

    assert.ok(
      plan.some((detail) =>
        /SEARCH throttles USING (COVERING )?INDEX throttles_expires_at \(expires_at<\?\)/.test(
          detail,
        ),
      ),
      plan.join('\n'),
    );
    assert.ok(!plan.some((detail) => detail.startsWith('SCAN throttles')), plan.join('\n'));
  });

  void it('count the failures of two connections to one file together', async () => {
    const path = temp.path('shared.db');
    const first = openSqliteStores(path);
    const second = openSqliteStores(path);

    for (let n = 0; n < 5; n += 1) {
      const stores = n % 2 === 0 ? first : second;
      await stores.sessions.incrementThrottle('login:a', new Date(n), new Date(WINDOW_MS));
    }

    assert.equal((await first.sessions.findThrottle('login:a', new Date(5)))?.failures, 5);
    assert.equal((await second.sessions.findThrottle('login:a', new Date(5)))?.failures, 5);
    await first.close();
    await second.close();
  });

  void it('refuse a negative or fractional sweep limit rather than sweep all', async () => {
    const stores = openSqliteStores(temp.path('limit.db'));
    await stores.sessions.incrementThrottle('login:a', new Date(0), new Date(1));

    for (const limit of [-1, 1.5, Number.NaN]) {
      await assert.rejects(stores.sessions.deleteExpiredThrottles(new Date(10), limit), RangeError);
    }

    const count = stores.database
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM throttles')
      .get();
    assert.equal(count?.n, 1);
    await stores.close();
  });

  void it('store counts and times as integers in a STRICT table', () => {
    const database = openSqliteDatabase(temp.path('strict.db'));
    const insert = database.prepare(
      'INSERT INTO throttles (key, failures, last_failure_at, expires_at) VALUES (?, ?, ?, ?)',
    );

    assert.throws(
      () => insert.run('login:a', 'many', 0, 1),
      withCode('SQLITE_CONSTRAINT_DATATYPE'),
    );
    database.close();
  });
});
