import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

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
});
