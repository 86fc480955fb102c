import { createServer } from 'node:http';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that answers `GET /set/<id>` with the Set-Cookie lines registered under
 * that id, one header field per line, and `404` (without cookies) for anything else, such as the
 * browser's own request for `/favicon.ico`.
 */
export interface SetCookieServer {
  port: number;
  /** Registers `lines` for one response and returns the path that serves them. */
  register(lines: readonly string[]): string;
  close(): Promise<void>;
}

// node:http writes header strings as Latin-1 and refuses control characters (other than tab)
// outright. Lines that hold either are written by hand instead, as UTF-8 on the raw socket, so
// that the browser receives exactly the bytes a careless server would send.
const PLAIN_HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Starts the server on 127.0.0.1 and a free port. */
export async function startSetCookieServer(): Promise<SetCookieServer> {
  const batches = new Map<string, readonly string[]>();
  let nextId = 0;

  const server = createServer((request, response) => {
    const lines = batches.get(request.url ?? '');
    if (lines === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    // No Date header: Chromium shifts an Expires by the difference between the response's Date
    // and its own clock, and node:http's Date has whole seconds (and is cached for a second).
    // Without one, the stored expiry is exactly the Expires that was sent.
    response.sendDate = false;
    if (lines.every((line) => PLAIN_HEADER_VALUE.test(line))) {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.setHeader('cache-control', 'no-store');
      response.setHeader('set-cookie', [...lines]);
      response.end('<!doctype html><title>set</title>');
    } else {
      writeRaw(request, response, lines);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  return {
    port: (server.address() as AddressInfo).port,
    register(lines) {
      const path = `/set/${String(nextId++)}`;
      batches.set(path, lines);
      return path;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}

function writeRaw(request: IncomingMessage, response: ServerResponse, lines: readonly string[]) {
  const body = '<!doctype html><title>set</title>';
  const head = [
    'HTTP/1.1 200 OK',
    'content-type: text/html; charset=utf-8',
    'cache-control: no-store',
    `content-length: ${body.length}`,
    'connection: close',
    ...lines.map((line) => `set-cookie: ${line}`),
  ];
  // The response object is left unused: the socket is closed once these bytes are out.
  response.detachSocket(request.socket);
  request.socket.end(Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8'));
}
