import { errorResponse } from './respond.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRequest, HttpResponse, RequestHandler } from './types.js';

/** A node:http request seen through {@link HttpRequest}, and whether its body was left unread. */
export interface NodeHttpRequest extends HttpRequest {
  /** True when the body was refused part-way, so the connection must not be reused. */
  readonly bodyAbandoned: boolean;
}

/** Translates a node:http request. Reads nothing until `readBody` is called. */
export function fromNodeRequest(incoming: IncomingMessage): NodeHttpRequest {
  let bodyAbandoned = false;
  return {
    method: (incoming.method ?? 'GET').toUpperCase(),
    path: pathOf(incoming.url ?? '/'),
    clientAddress: incoming.socket.remoteAddress ?? '',
    get bodyAbandoned() {
      return bodyAbandoned;
    },
    header(name) {
      const value = incoming.headers[name];
      // node:http already joins repeated Cookie headers with "; " and others with ", ", except
      // Set-Cookie, which a request never carries.
      return Array.isArray(value) ? value.join(', ') : value;
    },
    readBody(limitBytes) {
      return readLimited(incoming, limitBytes).then((bytes) => {
        if (bytes === null) bodyAbandoned = true;
        return bytes;
      });
    },
  };
}

/** Writes a response; `Set-Cookie` pairs stay separate header lines. */
export function writeNodeResponse(
  outgoing: ServerResponse,
  response: HttpResponse,
  options: { closeConnection?: boolean } = {},
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  if (options.closeConnection === true) headers.Connection = 'close';
  headers['Content-Length'] = String(Buffer.byteLength(response.body));
  outgoing.writeHead(response.status, headers);
  outgoing.end(response.body);
}

/**
 * A node:http listener running a {@link RequestHandler}. A handler that throws gets a 500 JSON
 * answer (handlers built by Latchkey turn store failures into 503 themselves).
 */
export function createNodeListener(
  handler: RequestHandler,
): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  return (incoming, outgoing) => {
    const request = fromNodeRequest(incoming);
    handler(request)
      .catch(() => errorResponse(500, 'INTERNAL_ERROR', 'Something went wrong on the server.'))
      .then((response) => {
        writeNodeResponse(outgoing, response, { closeConnection: request.bodyAbandoned });
      })
      .catch(() => {
        outgoing.destroy();
      });
  };
}

function pathOf(target: string): string {
  if (!target.startsWith('/')) {
    // Absolute-form (RFC 9112 section 3.2.2), sent to proxies; anything else is no path.
    try {
      return new URL(target).pathname;
    } catch {
      return '/';
    }
  }
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function readLimited(incoming: IncomingMessage, limitBytes: number): Promise<Uint8Array | null> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.resolve(null);

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: Uint8Array | null): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) finish(null);
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      finish(Buffer.concat(chunks));
    };
    const onError = (): void => {
      finish(null);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}
