import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

/** Sends raw bytes to the server and reads what it answers until it closes or 2 s pass. */
function exchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('close', () => {
      resolve(received);
    });
    socket.on('error', reject);
  });
}

const statusOf = (answer: string): string => answer.split('\r\n', 1)[0] ?? '';

describe('requests node:http cannot read, and requests naming two hosts', () => {
  let server: TestServer;
  let port = '';
  before(async () => {
    server = await startTestServer();
    port = new URL(server.url).port;
  });
  after(async () => {
    await server.close();
  });

  it('request smuggling probe: a body framed twice gets 400, logged, never routed', async () => {
    const answer = await exchange(
      server.url,
      `POST /auth/logout HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Length: 5\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.equal(statusOf(answer), 'HTTP/1.1 400 Bad Request');
    const logged = server.logs.filter((line) => line.event === 'http.client_error');
    assert.equal(logged.length, 1);
    assert.match(String(logged[0]?.code), /^HPE_/);
    assert.equal(logged[0]?.client, '127.0.0.1');
    assert.ok(!server.logs.some((line) => line.event === 'http.request'), 'no route ran');
  });

  it('bare error pages: what node:http cannot read gets JSON and security headers', async () => {
    const cases = [
      { raw: `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nBad Header\r\n\r\n`, status: 400 },
      {
        raw: `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nX-Pad: ${'b'.repeat(20_000)}\r\n\r\n`,
        status: 431,
      },
    ];
    const codes: string[] = [];
    for (const { raw, status } of cases) {
      const answer = await exchange(server.url, raw);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(statusOf(answer), new RegExp(`^HTTP/1\\.1 ${String(status)} `));
      const headers = new Map(
        head
          .split('\r\n')
          .slice(1)
          .map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 2),
          ]),
      );
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      assert.equal(headers.get('x-frame-options'), 'DENY');
      assert.equal(headers.get('cache-control'), 'no-store');
      assert.equal(headers.get('connection'), 'close');
      assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(Number(headers.get('content-length')), Buffer.byteLength(body));
      codes.push((JSON.parse(body) as { error: { code: string } }).error.code);
    }
    assert.deepEqual(codes, ['MALFORMED_REQUEST', 'HEADERS_TOO_LARGE']);
  });

  it('a malformed request after a kept-alive one gets 400 after the first answer', async () => {
    const { hostname } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`GET /auth/session HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
      });
      let received = '';
      let sentSecond = false;
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
        // Once the first answer is in, the next request on the same connection is malformed.
        if (!sentSecond && received.includes('}')) {
          sentSecond = true;
          socket.write(`GET / HTTP/1.1\r\nHost: localhost:${port}\r\nBad Header\r\n\r\n`);
        }
      });
      socket.setTimeout(2_000, () => socket.destroy());
      socket.on('close', () => {
        resolve(received);
      });
      socket.on('error', reject);
    });
    // The second status line follows the first answer's body directly.
    const statuses = answer.match(/HTTP\/1\.1 \d{3} [^\r]*/g);
    assert.deepEqual(statuses, ['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 400 Bad Request']);
  });

  it('header flood: headers over the limit get 431, logged with the parser’s code', async () => {
    const answer = await exchange(
      server.url,
      `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.equal(statusOf(answer), 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.ok(
      server.logs.some(
        (line) => line.event === 'http.client_error' && line.code === 'HPE_HEADER_OVERFLOW',
      ),
    );
    assert.doesNotMatch(server.rawLog(), /aaaa/, 'nothing of the request is logged');
  });

  it('host confusion: two Host lines get 400 HOST_INVALID, whichever comes first', async () => {
    for (const hosts of [
      [`localhost:${port}`, 'evil.example'],
      ['evil.example', `localhost:${port}`],
    ]) {
      const answer = await exchange(
        server.url,
        `GET /auth/session HTTP/1.1\r\nHost: ${hosts[0] ?? ''}\r\nhost: ${hosts[1] ?? ''}\r\n` +
          'Connection: close\r\n\r\n',
      );
      assert.equal(statusOf(answer), 'HTTP/1.1 400 Bad Request');
      assert.match(answer, /"code":"HOST_INVALID"/);
    }
  });

  it('an HTTP/1.1 request with no Host line gets 400 HOST_INVALID as JSON', async () => {
    const answer = await exchange(
      server.url,
      'GET /auth/session HTTP/1.1\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(answer), 'HTTP/1.1 400 Bad Request');
    assert.match(answer, /"code":"HOST_INVALID"/);
    assert.match(answer, /\r\nCache-Control: no-store\r\n/i);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    // HTTP/1.0 has no Host requirement: that request is judged by what it asks for.
    const old = await exchange(server.url, 'GET /auth/session HTTP/1.0\r\n\r\n');
    assert.doesNotMatch(old, /"code":"HOST_INVALID"/);
  });

  it('Expect: 100-continue: no Host gets 400 at once, never a Continue', async () => {
    const refused = await exchange(
      server.url,
      'POST /auth/login HTTP/1.1\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n' +
        'Content-Length: 2\r\n\r\n',
    );
    assert.equal(statusOf(refused), 'HTTP/1.1 400 Bad Request');
    assert.doesNotMatch(refused, /100 Continue/);
    assert.match(refused, /"code":"HOST_INVALID"/);

    // With a Host, the client is told to go on, and its body is read.
    const served = await exchange(
      server.url,
      `POST /auth/login HTTP/1.1\r\nHost: localhost:${port}\r\nExpect: 100-continue\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    assert.equal(statusOf(served), 'HTTP/1.1 100 Continue');
    assert.match(served, /\r\n\r\nHTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(served, /"code":"VALIDATION_FAILED"/);
  });

  it('Expect: 100-continue, a body over the limit: 413 at once, never a Continue', async () => {
    const answer = await exchange(
      server.url,
      `POST /auth/login HTTP/1.1\r\nHost: localhost:${port}\r\nExpect: 100-continue\r\n` +
        'Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n',
    );
    assert.equal(statusOf(answer), 'HTTP/1.1 413 Payload Too Large');
    assert.doesNotMatch(answer, /100 Continue/);
  });

  it('DNS rebinding by absolute-form target: its host is checked, not the Host line', async () => {
    const refused = await exchange(
      server.url,
      `GET http://evil.example/auth/session HTTP/1.1\r\nHost: localhost:${port}\r\n` +
        'Connection: close\r\n\r\n',
    );
    assert.equal(statusOf(refused), 'HTTP/1.1 421 Misdirected Request');
    const served = await exchange(
      server.url,
      `GET http://user@localhost:${port}/auth/session HTTP/1.1\r\nHost: evil.example\r\n` +
        'Connection: close\r\n\r\n',
    );
    assert.equal(statusOf(served), 'HTTP/1.1 401 Unauthorized');
  });
});
