import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { DATABASE_FILE } from '../../src/server/serve.js';
import { CheckpointedSessionStore } from '../../src/stores/sqlite/checkpointed-session-store.js';
import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { hashToken } from '../../src/token/index.js';
import { send, startTestServer } from '../support/server.js';

describe('shutting the server down', () => {
  it('answers what is in flight and pipelined, then closes the connection at once', async () => {
    const server = await startTestServer();
    const credentials = { email: 'ada@example.com', password: 'correct horse battery staple' };
    const registered = await send(server.url, 'POST', '/auth/register', { json: credentials });
    assert.equal(registered.status, 201);

    // A login on a connection the client keeps open, as a browser or a proxy does. Its body
    // comes in two parts, close() between them: the request is in flight when close() begins.
    // Behind it on the same connection, a second request (pipelined).
    const { hostname, port } = new URL(server.url);
    const host = `Host: ${hostname}:${port}\r\n`;
    const body = JSON.stringify(credentials);
    const socket = connect(Number(port), hostname);
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('close', () => {
        resolve();
      });
      socket.on('error', reject);
    });
    socket.write(
      `POST /auth/login HTTP/1.1\r\n${host}Connection: keep-alive\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${String(Buffer.byteLength(body))}\r\n\r\n` +
        body.slice(0, 10),
    );
    // The server runs in this process: once this timer fires, it has read the request's head.
    await sleep(50);
    const started = performance.now();
    const closed = server.close();
    socket.write(`${body.slice(10)}GET /auth/session HTTP/1.1\r\n${host}\r\n`);
    await closed;
    const closeMs = performance.now() - started;
    await ended;

    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['200', '401']);
    // Before, the answered connection idled out its keep-alive (5 s) and close() waited for it.
    assert.ok(closeMs < 3_000, `close() took ${closeMs.toFixed(0)} ms`);
  });

  it('closing during a sweep stops it between batches and closes the store after it', async () => {
    const server = await startTestServer({ beforeStart: seedExpiredSessions });
    // The server swept as it started, on its checkpoint thread: a batch of 100 is under way.
    await server.close();
    // Before, the sweep went on after close() and failed on the closed store, logging an error
    // after `server.stopped`.
    await sleep(200);
    const events = server.logs.map((line) => line.event);
    assert.ok(!events.includes('session.sweep_failed'), events.join(', '));
    assert.equal(events.at(-1), 'server.stopped');
    // And close() did not wait for the whole sweep: it stopped after the batch under way.
    const swept = server.logs
      .filter((line) => line.event === 'session.swept')
      .reduce((sum, line) => sum + Number(line.count), 0);
    assert.ok(swept < EXPIRED_SEEDED, `swept ${String(swept)} of ${String(EXPIRED_SEEDED)}`);
  });

  it('close() is not held for long by a sweep whose store call never returns', async () => {
    const sweep = Object.getOwnPropertyDescriptor(
      CheckpointedSessionStore.prototype,
      'deleteExpiredSessions',
    );
    assert.ok(sweep !== undefined);
    // A sweep call that never settles (a store that stopped answering).
    CheckpointedSessionStore.prototype.deleteExpiredSessions = () => new Promise(() => undefined);
    try {
      const server = await startTestServer();
      const started = performance.now();
      await server.close();
      const closeMs = performance.now() - started;
      // It waits for the batch a while (5 s), then closes the store anyway.
      assert.ok(closeMs < 8_000, `close() took ${closeMs.toFixed(0)} ms`);
      const events = server.logs.map((line) => line.event);
      assert.ok(!events.includes('session.sweep_failed'), events.join(', '));
      assert.equal(events.at(-1), 'server.stopped');
    } finally {
      Object.defineProperty(CheckpointedSessionStore.prototype, 'deleteExpiredSessions', sweep);
    }
  });

  it('does not start a second sweep while one is still sweeping', async () => {
    const server = await startTestServer({ beforeStart: seedExpiredSessions, sweepIntervalMs: 5 });
    const swept = (): number[] =>
      server.logs
        .filter((line) => line.event === 'session.swept')
        .map((line) => Number(line.count));
    const deadline = Date.now() + 90_000;
    while (swept().length === 0 && Date.now() < deadline) await sleep(20);
    await server.close();
    assert.ok(swept().length > 0, 'the first sweep did not finish within 90 s');
    // One sweep took them all, in 200 batches; overlapping sweeps would each have logged a share.
    assert.deepEqual(swept(), [EXPIRED_SEEDED]);
  });
});

const EXPIRED_SEEDED = 20_000;

/** Puts EXPIRED_SEEDED sessions that ended an hour ago into a new data folder's database. */
async function seedExpiredSessions(dataDir: string): Promise<void> {
  const stores = openSqliteStores(join(dataDir, DATABASE_FILE), { backgroundCheckpoints: false });
  const now = Date.now();
  const insert = stores.database.prepare(
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                           absolute_expires_at, user_agent, binding)
     VALUES (?, ?, 'sweep-user', ?, ?, ?, ?, NULL, NULL)`,
  );
  stores.database.transaction(() => {
    stores.database
      .prepare(
        `INSERT INTO users (id, email, password_hash, created_at, disabled_at)
         VALUES ('sweep-user', 'sweep@example.com', 'not a hash', ?, NULL)`,
      )
      .run(now - 7_200_000);
    for (let index = 0; index < EXPIRED_SEEDED; index += 1) {
      const ended = now - 3_600_000 - index;
      const id = `s${String(index)}`;
      insert.run(id, hashToken(id), ended - 1_000, ended - 1_000, ended, ended + 86_400_000);
    }
  })();
  await stores.close();
}
