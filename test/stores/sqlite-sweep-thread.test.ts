import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { makeUser } from '../../src/stores/conformance/fixtures.js';
import { CheckpointedSessionStore } from '../../src/stores/sqlite/checkpointed-session-store.js';
import { openSqliteDatabase, openSqliteStores } from '../../src/stores/sqlite/index.js';
import { makeTempFolder, withCode } from './sqlite-helpers.js';

import type Database from 'better-sqlite3';
import type { WalCheckpointer } from '../../src/stores/sqlite/checkpointer.js';

const folder = makeTempFolder();
after(() => {
  folder.remove();
});

const NOW = Date.UTC(2026, 11, 4);

/** Inserts `count` sessions of one user, all expired an hour before NOW. */
function insertExpired(database: Database.Database, count: number): void {
  const insert = database.prepare(
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                           absolute_expires_at, user_agent, binding)
     VALUES (?, ?, 'u1', ?, ?, ?, ?, NULL, NULL)`,
  );
  const ended = NOW - 3_600_000;
  database.transaction(() => {
    for (let index = 0; index < count; index += 1) {
      const id = `s${String(index).padStart(8, '0')}`;
      insert.run(id, `${id}${'0'.repeat(55)}`, ended - 86_400_000, ended - 60_000, ended, ended);
    }
  })();
}

function countSessions(database: Database.Database): number {
  return database.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
}

/** A checkpointer that has no thread: every write comes back to the caller. */
function threadlessCheckpointer(write: WalCheckpointer['write']): {
  checkpointer: WalCheckpointer;
  checkpoints: () => number;
} {
  let checkpoints = 0;
  return {
    checkpointer: {
      checkpoint: () => {
        checkpoints += 1;
        return Promise.resolve();
      },
      write,
      stop: () => Promise.resolve(),
    },
    checkpoints: () => checkpoints,
  };
}

describe('the SQLite sweep on the checkpointer’s thread', () => {
  it('deletes 50,000 expired sessions in one batch without holding the event loop', async () => {
    const stores = openSqliteStores(folder.path('sweep.db'));
    try {
      await stores.users.insertUser(makeUser(1, { id: 'u1' }));
      insertExpired(stores.database, 50_000);

      // A timer ticking every 5 ms throughout: the longest gap between ticks is the longest time
      // the event loop was held.
      let last = performance.now();
      let longestMs = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        longestMs = Math.max(longestMs, now - last);
        last = now;
      }, 5);
      await sleep(30);
      const deleted = await stores.sessions.deleteExpiredSessions(new Date(NOW), 50_000);
      await sleep(30);
      clearInterval(ticker);

      assert.equal(deleted, 50_000);
      assert.equal(countSessions(stores.database), 0);
      // On the event loop, a delete of this size takes hundreds of milliseconds in one piece.
      assert.ok(longestMs < 100, `the event loop was held for ${longestMs.toFixed(0)} ms`);
    } finally {
      await stores.close();
    }
  });

  it('when the thread is gone, a batch runs on the store’s own connection, then a checkpoint', async () => {
    const database = openSqliteDatabase(folder.path('fallback.db'));
    try {
      database.prepare(`INSERT INTO users VALUES ('u1', 'a@example.com', 'h', 0, NULL)`).run();
      insertExpired(database, 30);
      const fake = threadlessCheckpointer(() => Promise.resolve(null));
      const store = new CheckpointedSessionStore(database, fake.checkpointer);
      assert.equal(await store.deleteExpiredSessions(new Date(NOW), 20), 20);
      assert.equal(countSessions(database), 10);
      assert.equal(fake.checkpoints(), 1);
    } finally {
      database.close();
    }
  });

  it('a write that fails on the thread is a store failure; a bad limit is the caller’s RangeError', async () => {
    const database = openSqliteDatabase(folder.path('failure.db'));
    try {
      const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      const fake = threadlessCheckpointer(() => Promise.reject(busy));
      const store = new CheckpointedSessionStore(database, fake.checkpointer);
      await assert.rejects(
        store.deleteExpiredSessions(new Date(NOW), 10),
        withCode('STORE_UNAVAILABLE'),
      );
      await assert.rejects(store.deleteExpiredSessions(new Date(NOW), -1), RangeError);
    } finally {
      database.close();
    }
  });
});
