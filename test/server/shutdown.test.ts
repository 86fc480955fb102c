import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { send, startTestServer } from '../support/server.js';

describe('shutting the server down', () => {
  it('answers a request in flight, then closes its connection instead of keeping it alive', async () => {
    const server = await startTestServer();
    const credentials = { email: 'ada@example.com', password: 'correct horse battery staple' };
    const registered = await send(server.url, 'POST', '/auth/register', { json: credentials });
    assert.equal(registered.status, 201);

    // A login on a connection the client keeps open, as a browser or a proxy does. Its body
    // comes in two parts, close() between them: the request is in flight when close() begins.
    const { hostname, port } = new URL(server.url);
    const body = JSON.stringify(credentials);
    const socket = connect(Number(port), hostname);
    socket.setEncoding('utf8');
    let received = '';
    const answered = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: string) => {
        received += chunk;
        const end = received.indexOf('\r\n\r\n');
        const length = /\r\ncontent-length: (\d+)/i.exec(received);
        if (end !== -1 && length !== null && received.length >= end + 4 + Number(length[1])) {
          resolve(received.slice(0, end));
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        reject(new Error(`connection closed with ${JSON.stringify(received)}`));
      });
    });
    socket.write(
      `POST /auth/login HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n\r\n` +
        body.slice(0, 10),
    );
    // The server runs in this process: once this timer fires, it has read the request's head.
    await sleep(50);
    const started = performance.now();
    const closed = server.close();
    socket.write(body.slice(10));
    const head = await answered;
    await closed;
    const closeMs = performance.now() - started;
    socket.destroy();

    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /\r\nConnection: close/i);
    // Before, the answered connection idled out its keep-alive (5 s) and close() waited for it.
    assert.ok(closeMs < 3_000, `close() took ${closeMs.toFixed(0)} ms`);
  });
});
