import { sameHeaderName } from '../http/respond.js';
import { SECURITY_HEADERS } from './security-headers.js';

import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

// What a request node:http could not read is answered: node:http's own status, then a JSON error
// with a stable code and the headers every other answer carries, as one write.
const ANSWERS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: answer(
    431,
    'Request Header Fields Too Large',
    'HEADERS_TOO_LARGE',
    "The request's headers are too large.",
  ),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: answer(
    413,
    'Payload Too Large',
    'BODY_TOO_LARGE',
    "The request's chunk extensions are too large.",
  ),
  ERR_HTTP_REQUEST_TIMEOUT: answer(
    408,
    'Request Timeout',
    'REQUEST_TIMEOUT',
    'The request took too long to arrive.',
  ),
};
const BAD_REQUEST = answer(
  400,
  'Bad Request',
  'MALFORMED_REQUEST',
  'The request could not be read as HTTP.',
);

function answer(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  const headers: [string, string][] = [
    ['Content-Type', 'application/json; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
    ...SECURITY_HEADERS,
    ['Connection', 'close'],
  ];
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${String(status)} ${reason}\r\n${lines}\r\n${body}`;
}

/**
 * node:http's `clientError`: a request it could not parse (a malformed line or header, headers
 * over the limit, a body framed twice) or that took too long. Answered with node:http's own
 * status (400, 408, 413 or 431), a JSON error and the security headers, then the connection
 * closed; and logged as `http.client_error` with the parser's code and the connection's peer
 * address (a proxy's, behind one), so that probing leaves a trace; never a byte of the request.
 * A connection the client reset or dropped is closed without a line.
 */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
  logger: Logger,
): void {
  const code = error.code ?? '';
  if (code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    logger.log('warn', 'http.client_error', {
      code: code.slice(0, 64),
      client: socket.remoteAddress ?? '',
    });
  }
  // As node:http does: an answer only where no response on this connection has begun, so that
  // the client never reads it as part of another.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (socket.writable && current?.headersSent !== true) socket.write(ANSWERS[code] ?? BAD_REQUEST);
  socket.destroy();
}

/**
 * What is wrong with a request's `Host` lines, or null. RFC 9112 section 3.2: a request with
 * more than one `Host` line is answered 400, since a proxy in front may route by one and the
 * server check the other, and so is an HTTP/1.1 request with none (the server is created with
 * node:http's own check off, so that this answer is JSON like every other). node:http keeps only
 * the first in `headers`; the raw list has them all.
 */
export function hostLinesProblem(
  rawHeaders: readonly string[],
  httpVersion: string,
): string | null {
  let seen = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name === 'Host' || sameHeaderName(name, 'host')) seen += 1;
  }
  if (seen > 1) return 'A request names its host once.';
  if (seen === 0 && httpVersion !== '1.0') {
    return 'A request names its host in a Host header (RFC 9112 section 3.2).';
  }
  return null;
}
