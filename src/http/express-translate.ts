import { bytesFromParsedBody } from './parsed-body.js';
import { framesBody, sameHeaderName } from './respond.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CurrentSession } from './express.js';
import type { NodeHttpRequest, createNodeRequestReader } from './node.js';
import type { HttpResponse } from './types.js';

/**
 * What the Express adapter reads of a request: node:http's, plus the three fields Express (or a
 * body parser) adds. Express 4's and 5's `Request` both fit it.
 */
export type ExpressRequest = IncomingMessage & {
  /** The request target as received; `url` loses the mount path inside a router. */
  originalUrl?: string;
  /** What a body parser (`express.json()`, `express.urlencoded()`, ...) made of the body. */
  body?: unknown;
  /** Set by `latchkey()`. */
  latchkey?: CurrentSession | null;
};

/**
 * An Express request seen through `HttpRequest`. With `consume`, an unread body is read from
 * the stream (the auth routes); without, or once a body parser has read the stream, the body
 * is rebuilt from `req.body` (see `bytesFromParsedBody`), so that a middleware never takes the
 * stream from the application's own parsers.
 */
export function readExpressRequest(
  read: ReturnType<typeof createNodeRequestReader>,
  req: ExpressRequest,
  options: { consume: boolean },
): NodeHttpRequest {
  const base = read(req);
  // body-parser 1 (Express 4) marks a parsed request with `_body`; version 2 (Express 5) leaves
  // the stream ended. Either way the bytes are gone from the stream.
  const streamRead =
    !req.readable || req.readableEnded || (req as { _body?: unknown })._body === true;
  const fromStream = options.consume && !streamRead;
  const fromParsed = (limitBytes: number): Promise<Uint8Array | null> => {
    const bytes = bytesFromParsedBody(base.header('content-type'), req.body);
    return Promise.resolve(bytes.byteLength > limitBytes ? null : bytes);
  };

  return {
    method: base.method,
    path: pathOf(req.originalUrl ?? req.url ?? '/'),
    // A body parser that read the stream has undone its Content-Encoding (body-parser inflates
    // gzip): what is rebuilt from `req.body` is plain.
    header: (name) => (name === 'content-encoding' && !fromStream ? undefined : base.header(name)),
    clientAddress: base.clientAddress,
    protocol: base.protocol,
    get bodyAbandoned() {
      return base.bodyAbandoned;
    },
    readBody: (limitBytes) => (fromStream ? base.readBody(limitBytes) : fromParsed(limitBytes)),
  };
}

/**
 * Writes a Latchkey response with node:http's own calls (no `res.send`, so no ETag and no
 * charset rewriting): the same bytes the standalone server sends. `Set-Cookie` lines are added
 * to the application's; every other header replaces one of the same name, but for the body's
 * framing (`Content-Length` is the body's own, and a `Transfer-Encoding` is not sent).
 */
export function respondFromNode(
  res: ServerResponse,
  response: HttpResponse,
  options: { closeConnection?: boolean } = {},
): void {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (sameHeaderName(name, 'set-cookie')) appendSetCookie(res, value);
    else if (!framesBody(name)) res.setHeader(name, value);
  }
  if (options.closeConnection === true) res.setHeader('Connection', 'close');
  // The body's length frames it, never a Transfer-Encoding the application set before as well.
  res.removeHeader('Transfer-Encoding');
  res.setHeader('Content-Length', String(Buffer.byteLength(response.body)));
  res.end(response.body);
}

/** Adds a `Set-Cookie` line, keeping those already set. */
export function appendSetCookie(res: ServerResponse, value: string): void {
  res.setHeader('Set-Cookie', [...setCookies(res), value]);
}

/** Takes back one `Set-Cookie` line added earlier, keeping the others. */
export function removeSetCookie(res: ServerResponse, value: string): void {
  const kept = setCookies(res).filter((line) => line !== value);
  if (kept.length === 0) res.removeHeader('Set-Cookie');
  else res.setHeader('Set-Cookie', kept);
}

function setCookies(res: ServerResponse): string[] {
  const existing = res.getHeader('set-cookie');
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [String(existing)];
}

/** The path of a request target, as `createNodeRequestReader` takes it (no query, no fragment). */
function pathOf(target: string): string {
  let path = target;
  if (!path.startsWith('/')) {
    // Absolute-form (RFC 9112 section 3.2.2): the path follows the authority, taken as sent.
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (authority === null) return '';
    path = path.slice(authority[0].length) || '/';
  }
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}
