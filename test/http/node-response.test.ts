import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';

import { writeNodeResponse } from '../../src/http/node.js';

import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResponse } from '../../src/http/types.js';

const RESPONSE: HttpResponse = {
  status: 200,
  headers: [
    ['Content-Type', 'application/json; charset=utf-8'],
    ['Set-Cookie', 'a=1; Path=/'],
    ['Cache-Control', 'no-store'],
    ['Set-Cookie', 'b=2; Path=/'],
  ],
  body: '{"ok":true}',
};

/** Serves one request: `prepare` runs on the response first, then writeNodeResponse. */
async function fetchWritten(
  prepare: (outgoing: ServerResponse) => void,
  options: { closeConnection?: boolean } = {},
): Promise<Response> {
  const server = createServer((_incoming, outgoing) => {
    prepare(outgoing);
    writeNodeResponse(outgoing, RESPONSE, options);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${String(port)}/`);
    await response.text();
    return response;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

/** What a handler's response puts on the wire, read from a raw socket: the header lines. */
async function rawHeaderLines(
  response: HttpResponse,
  options: { closeConnection?: boolean } = {},
): Promise<string[]> {
  const server = createServer((_incoming, outgoing) => {
    writeNodeResponse(outgoing, response, options);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end('GET / HTTP/1.1\r\nHost: example.test\r\n\r\n');
      });
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
        // The head has come: the server would keep the connection open.
        if (received.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => {
        resolve(received);
      });
      socket.on('error', reject);
    });
    return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').slice(1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

/** The header lines whose name is `name`, in any case. */
function linesNamed(lines: readonly string[], name: string): string[] {
  return lines.filter((line) => line.toLowerCase().startsWith(`${name}:`));
}

describe('writeNodeResponse', () => {
  it('writes each Set-Cookie on a line of its own, with the length of the body', async () => {
    const response = await fetchWritten(() => undefined);
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(response.headers.get('content-length'), '11');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('still does after the application set and removed a header of its own', async () => {
    const response = await fetchWritten((outgoing) => {
      outgoing.setHeader('X-Powered-By', 'app');
      outgoing.removeHeader('X-Powered-By');
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(response.headers.get('x-powered-by'), null);
  });

  it('keeps the application’s other headers, replacing those of the same name', async () => {
    const response = await fetchWritten((outgoing) => {
      outgoing.setHeader('X-App', 'kept');
      outgoing.setHeader('Cache-Control', 'public');
    });
    assert.equal(response.headers.get('x-app'), 'kept');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
  });

  it('response desync: a handler’s own Content-Length never makes a second one', async () => {
    const lines = await rawHeaderLines({
      status: 200,
      headers: [
        ['content-length', '99'],
        ['Transfer-Encoding', 'chunked'],
        ['Content-Type', 'application/json'],
      ],
      body: '{}',
    });
    assert.deepEqual(linesNamed(lines, 'content-length'), ['Content-Length: 2']);
    assert.deepEqual(linesNamed(lines, 'transfer-encoding'), []);
  });

  it('matches names in any case: a name’s last value wins, Set-Cookie lines add up', async () => {
    const lines = await rawHeaderLines(
      {
        status: 200,
        headers: [
          ['content-type', 'text/plain'],
          ['set-cookie', 'a=1'],
          ['Content-Type', 'application/json'],
          ['Set-Cookie', 'b=2'],
          ['connection', 'keep-alive'],
        ],
        body: '{}',
      },
      { closeConnection: true },
    );
    assert.deepEqual(linesNamed(lines, 'content-type'), ['content-type: application/json']);
    assert.deepEqual(linesNamed(lines, 'set-cookie'), ['set-cookie: a=1', 'set-cookie: b=2']);
    assert.deepEqual(linesNamed(lines, 'connection'), ['connection: close']);
  });

  it('response desync: a Transfer-Encoding the application set before is not sent', async () => {
    const response = await fetchWritten((outgoing) => {
      outgoing.setHeader('Transfer-Encoding', 'chunked');
    });
    assert.equal(response.headers.get('transfer-encoding'), null);
    assert.equal(response.headers.get('content-length'), '11');
  });

  it('keeps the cookies the application set before, ahead of the response’s own', async () => {
    const response = await fetchWritten((outgoing) => {
      outgoing.appendHeader('Set-Cookie', 'early=1');
      outgoing.appendHeader('Set-Cookie', 'theme=dark');
    });
    assert.deepEqual(response.headers.getSetCookie(), [
      'early=1',
      'theme=dark',
      'a=1; Path=/',
      'b=2; Path=/',
    ]);
  });

  it('asks to close the connection when told to', async () => {
    const response = await fetchWritten(() => undefined, { closeConnection: true });
    assert.equal(response.headers.get('connection'), 'close');
  });
});
