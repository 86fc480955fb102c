import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

import { startWalCheckpointer } from '../../src/stores/sqlite/checkpointer.js';
import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { makeTempFolder } from './sqlite-helpers.js';

import type { CheckpointStatus } from '../../src/stores/sqlite/checkpointer.js';

const folder = makeTempFolder();
after(() => {
  folder.remove();
});

function walBytes(path: string): number {
  return existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
}

describe('SQLite background checkpoints', () => {
  it('turn automatic checkpoints off on the handle, and close leaves one whole file', async () => {
    const path = folder.path('close.db');
    const stores = openSqliteStores(path);
    assert.equal(stores.database.pragma('wal_autocheckpoint', { simple: true }), 0);
    stores.database.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, v BLOB)');
    stores.database.prepare('INSERT INTO junk (v) VALUES (?)').run(Buffer.alloc(10_000));
    await stores.close();
    assert.equal(existsSync(`${path}-wal`), false);
    const again = openSqliteStores(path, { backgroundCheckpoints: false });
    assert.equal(
      (again.database.prepare('SELECT count(*) AS n FROM junk').get() as { n: number }).n,
      1,
    );
    assert.equal(again.database.pragma('wal_autocheckpoint', { simple: true }), 1000);
    await again.close();
  });

  it('keep the WAL file bounded under a long write load', async () => {
    const path = folder.path('load.db');
    const stores = openSqliteStores(path);
    const { database } = stores;
    database.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, v BLOB)');
    const insert = database.prepare('INSERT INTO junk (v) VALUES (?)');
    const trim = database.prepare('DELETE FROM junk WHERE id <= (SELECT max(id) FROM junk) - 500');
    // A busy server's writes: a small transaction, then the event loop does something else.
    const write = database.transaction(() => {
      for (let i = 0; i < 20; i += 1) insert.run(Buffer.alloc(4_000));
      trim.run();
    });
    let largest = 0;
    let commits = 0;
    let slowest = 0;
    const started = Date.now();
    try {
      while (Date.now() - started < 4_000) {
        const before = performance.now();
        write();
        slowest = Math.max(slowest, performance.now() - before);
        commits += 1;
        largest = Math.max(largest, walBytes(path));
        await sleep(5);
      }
    } finally {
      // Stopped even when an assertion fails: the worker would otherwise hold the file open.
      await stores.close();
    }
    // Each commit appends at least its 20 rows' pages: without checkpoints the WAL would hold them
    // all (tens of megabytes).
    assert.ok(commits * 20 * 4_000 > 30 * 1024 * 1024, `only ${String(commits)} commits`);
    assert.ok(largest < 16 * 1024 * 1024, `the WAL reached ${String(largest)} bytes`);
    // No commit waits for the checkpointer (PASSIVE checkpoints never take the write lock).
    assert.ok(slowest < 200, `a commit took ${slowest.toFixed(0)} ms`);
    assert.equal(existsSync(`${path}-wal`), false);
  });

  it('once every frame is copied, looks again only after its interval (an idle server stays idle)', async () => {
    const path = folder.path('idle.db');
    const stores = openSqliteStores(path, { backgroundCheckpoints: false });
    stores.database.pragma('wal_autocheckpoint = 0');
    stores.database.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, v BLOB)');
    stores.database.prepare('INSERT INTO junk (v) VALUES (?)').run(Buffer.alloc(50_000));
    const statuses: CheckpointStatus[] = [];
    const checkpointer = startWalCheckpointer(path, {
      intervalMs: 100,
      onStatus: (status) => statuses.push(status),
    });
    try {
      await sleep(1_000);
    } finally {
      await checkpointer.stop();
      await stores.close();
    }
    const last = statuses.at(-1);
    assert.ok(last !== undefined && last.log > 0 && last.checkpointed === last.log, 'all copied');
    // About ten looks in a second at 100 ms, plus one quick look after the copy; SQLite reports
    // the copied frames until the next write, which must not read as work to come back for.
    assert.ok(statuses.length <= 15, `${String(statuses.length)} checkpoints in a second`);
  });

  it('sends the event loop no message for a look nobody asked to hear about', async () => {
    const path = folder.path('quiet.db');
    const stores = openSqliteStores(path, { backgroundCheckpoints: false });
    stores.database.pragma('wal_autocheckpoint = 0');
    stores.database.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, v BLOB)');
    const insert = stores.database.prepare('INSERT INTO junk (v) VALUES (?)');
    // Every message a worker thread sends reaches its Worker object as a 'message' event.
    const { emit } = Worker.prototype as { emit: (...args: unknown[]) => boolean };
    let messages = 0;
    Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
      if (event === 'message') messages += 1;
      return emit.call(this, event, ...args);
    };
    const checkpointer = startWalCheckpointer(path, { intervalMs: 20 });
    try {
      // The WAL moves for half a second (quick looks), then rests (a look every 20 ms).
      for (let index = 0; index < 50; index += 1) {
        insert.run(Buffer.alloc(4_000));
        await sleep(10);
      }
      await sleep(500);
      await checkpointer.checkpoint();
    } finally {
      Worker.prototype.emit = emit;
      await checkpointer.stop();
      await stores.close();
    }
    // The one answer to the checkpoint() asked for; before, one status per look (dozens).
    assert.equal(messages, 1);
  });

  it('is off for :memory:, and a second close is harmless', async () => {
    const stores = openSqliteStores(':memory:');
    assert.equal(stores.database.pragma('wal_autocheckpoint', { simple: true }), 1000);
    await stores.close();
    await stores.close();
  });
});
