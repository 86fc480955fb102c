import assert from 'node:assert/strict';
import { createServer } from 'node:http';
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

  it('asks to close the connection when told to', async () => {
    const response = await fetchWritten(() => undefined, { closeConnection: true });
    assert.equal(response.headers.get('connection'), 'close');
  });
});
