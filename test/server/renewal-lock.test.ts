import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { ManualClock } from '../support/clock.js';
import { send, startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

describe('a renewal the SQLite file cannot take', () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('a read due for renewal is served while another process holds the write lock', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock: clock.now });
    servers.push(server);
    const credentials = { email: 'locked@example.com', password: 'correct horse battery staple' };
    const registered = await send(server.url, 'POST', '/auth/register', { json: credentials });
    assert.equal(registered.status, 201);
    const cookie = registered.setCookies[0]?.split(';', 1)[0] ?? '';

    // Another program (a backup, a sqlite3 shell) holds the file's write lock.
    const other = new Database(join(server.dataDir, 'latchkey.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      clock.advanceSeconds(120);
      const read = await send(server.url, 'GET', '/api/secure-data', { cookie });
      assert.equal(read.status, 200, 'served without its renewal');
      assert.deepEqual(read.setCookies, [], 'no cookie for a renewal not written');
      const failed = server.logs.filter((line) => line.event === 'session.renewal_failed');
      assert.equal(failed.length, 1);
      assert.match(String(failed[0]?.detail), /locked|busy/i);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }

    const renewed = await send(server.url, 'GET', '/api/secure-data', { cookie });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.setCookies[0]?.split(';', 1)[0], cookie, 'renewed once the lock is gone');
  });
});
