import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { makeTempFolder } from './sqlite-helpers.js';

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
    const remove = database.prepare('DELETE FROM junk WHERE id <= ?');
    const writeMany = database.transaction((count: number) => {
      for (let i = 0; i < count; i += 1) insert.run(Buffer.alloc(4_000));
    });
    let largest = 0;
    let written = 0;
    const started = Date.now();
    // About 400 MB through the WAL: without checkpoints the file would be that large.
    while (written < 400 * 1024 * 1024 && Date.now() - started < 20_000) {
      writeMany(50);
      written += 50 * 4_000;
      remove.run(
        (database.prepare('SELECT max(id) AS n FROM junk').get() as { n: number }).n - 500,
      );
      largest = Math.max(largest, walBytes(path));
      await yieldToLoop();
    }
    assert.ok(written >= 200 * 1024 * 1024, `only ${String(written)} bytes written`);
    // The fallback to SQLite's own checkpoints past 32 MiB, and journal_size_limit, bound it.
    assert.ok(largest < 128 * 1024 * 1024, `the WAL reached ${String(largest)} bytes`);
    await stores.close();
    assert.equal(existsSync(`${path}-wal`), false);
  });

  it('is off for :memory:, and a second close is harmless', async () => {
    const stores = openSqliteStores(':memory:');
    assert.equal(stores.database.pragma('wal_autocheckpoint', { simple: true }), 1000);
    await stores.close();
    await stores.close();
  });
});
