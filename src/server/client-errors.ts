import { sameHeaderName } from '../http/respond.js';

import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

// What node:http sends by itself for a request it could not read, kept as it is.
const ANSWERS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
};
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

/**
 * node:http's `clientError`: a request it could not parse (a malformed line or header, headers
 * over the limit, a body framed twice) or that took too long. Answered as node:http would by
 * itself (400, 408, 413 or 431, then the connection closed), and logged as `http.client_error`
 * with the parser's code and the connection's peer address (a proxy's, behind one), so that
 * probing leaves a trace; never a byte of the request. A connection the client reset or dropped
 * is closed without a line.
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
 * Whether a request names its host at most once. RFC 9112 section 3.2: a request with more than
 * one `Host` line is answered 400, since a proxy in front may route by one and the server check
 * the other. node:http keeps only the first in `headers`; the raw list has them all.
 */
export function namesOneHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name === 'Host' || sameHeaderName(name, 'host')) {
      if (seen) return false;
      seen = true;
    }
  }
  return true;
}
