import { silentLogger } from '../log.js';
import { withErrorResponses } from './guard.js';
import { createClientResolver } from './proxy.js';
import { framesBody, sameHeaderName } from './respond.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { ForwardingHeader, ForwardingInput, ResolvedClient, TrustProxy } from './proxy.js';
import type { HttpRequest, HttpResponse, RequestHandler } from './types.js';

// The ergonomic wrapper (`latchkeyNode`) lives in its own file and is exported from here, the
// `latchkey/node` entry point.
export { latchkeyNode } from './node-adapter.js';
export type { LatchkeyNode, LatchkeyNodeOptions, NodeAuth } from './node-adapter.js';

/** A node:http request seen through {@link HttpRequest}, and whether its body was left unread. */
export interface NodeHttpRequest extends HttpRequest {
  /** True when the body was refused part-way, so the connection must not be reused. */
  readonly bodyAbandoned: boolean;
}

/** Options for the node:http adapter. */
export interface NodeAdapterOptions {
  /** Which proxies to believe about the client; see {@link TrustProxy}. Default: false. */
  trustProxy?: TrustProxy;
  /** Which header those proxies write; see {@link ForwardingHeader}. Default: `x-forwarded`. */
  proxyHeader?: ForwardingHeader;
  /**
   * Take the `host` header from those proxies' `X-Forwarded-Host` (or `Forwarded: host=`),
   * only when `Host` is an IP address or a private name; see `ClientResolverOptions`. Default:
   * false.
   */
  trustForwardedHost?: boolean;
  /**
   * Receives `store.unavailable` and `http.internal_error` events, and, once, the warning
   * `proxy.forwarded_host_unread`. Default: silent.
   */
  logger?: Logger;
}

/**
 * Translates node:http requests. Checks its options once; reads no body until asked. The
 * request's properties are getters and methods of its class, resolved on first use: copy them
 * one by one, since an object spread (`{ ...request }`) keeps only `method` and `path`.
 */
export function createNodeRequestReader(
  options: NodeAdapterOptions = {},
): (incoming: IncomingMessage) => NodeHttpRequest {
  const forwardedHost = options.trustForwardedHost ?? false;
  const resolve = createClientResolver(options.trustProxy ?? false, {
    header: options.proxyHeader ?? 'x-forwarded',
    trustForwardedHost: forwardedHost,
  });
  const logger = options.logger ?? silentLogger;
  let warned = false;
  const warning: ResolveClient = (input) => {
    const client = resolve(input);
    // Said once, for the operator whose proxy names the server by a public name in Host (every
    // such request then gets 421); once only, since any client can send the header.
    if (client.forwardedHostUnread === true && !warned) {
      warned = true;
      logger.log('warn', 'proxy.forwarded_host_unread', {
        detail:
          'X-Forwarded-Host came beside a Host that is a public name, so it was not read: ' +
          "name this server by an IP address or a private name in the proxy's configuration",
      });
    }
    return client;
  };
  const resolveClient = forwardedHost ? warning : resolve;
  return (incoming) => new NodeRequestView(incoming, resolveClient, forwardedHost);
}

type ResolveClient = (input: ForwardingInput) => ResolvedClient;

/**
 * One request as {@link HttpRequest}. A class rather than an object of closures, and the
 * client resolved only when asked: the server reads a request through it on every call.
 */
class NodeRequestView implements NodeHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly #incoming: IncomingMessage;
  readonly #resolveClient: ResolveClient;
  readonly #forwardedHost: boolean;
  // Read now: once the connection has closed (the log line is written after the response),
  // the socket may no longer know its peer.
  readonly #remoteAddress: string;
  readonly #encrypted: boolean;
  // The authority of an absolute-form target, which stands for its Host header; else undefined.
  readonly #targetHost: string | undefined;
  #client: ResolvedClient | undefined;
  #body: Promise<Uint8Array | null> | undefined;
  #bodyAbandoned = false;

  constructor(incoming: IncomingMessage, resolveClient: ResolveClient, forwardedHost: boolean) {
    this.method = (incoming.method ?? 'GET').toUpperCase();
    const target = incoming.url ?? '/';
    this.path = pathOf(target);
    this.#targetHost = target.startsWith('/') ? undefined : authorityOf(target);
    this.#incoming = incoming;
    this.#resolveClient = resolveClient;
    this.#forwardedHost = forwardedHost;
    this.#remoteAddress = incoming.socket.remoteAddress ?? '';
    this.#encrypted = (incoming.socket as Partial<TLSSocket>).encrypted === true;
  }

  get clientAddress(): string {
    return this.#resolved().address;
  }

  get protocol(): 'http' | 'https' {
    return this.#resolved().protocol;
  }

  get bodyAbandoned(): boolean {
    return this.#bodyAbandoned;
  }

  // node:http already joins repeated Cookie headers with "; " and others with ", ".
  header(name: string): string | undefined {
    if (name === 'host') {
      const forwarded = this.#forwardedHost ? this.#resolved().host : undefined;
      if (forwarded !== undefined) return forwarded;
      if (this.#targetHost !== undefined) return this.#targetHost;
    }
    return this.#raw(name);
  }

  readBody(limitBytes: number): Promise<Uint8Array | null> {
    this.#body ??= readLimited(this.#incoming, limitBytes).then((bytes) => {
      if (bytes === null) this.#bodyAbandoned = true;
      return bytes;
    });
    return this.#body;
  }

  #raw(name: string): string | undefined {
    const value = this.#incoming.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  #resolved(): ResolvedClient {
    this.#client ??= this.#resolveClient({
      remoteAddress: this.#remoteAddress,
      encrypted: this.#encrypted,
      forwarded: this.#raw('forwarded'),
      xForwardedFor: this.#raw('x-forwarded-for'),
      xForwardedProto: this.#raw('x-forwarded-proto'),
      xForwardedHost: this.#forwardedHost ? this.#raw('x-forwarded-host') : undefined,
      host: this.#forwardedHost ? (this.#targetHost ?? this.#raw('host')) : undefined,
    });
    return this.#client;
  }
}

/**
 * Writes a response. Header names are matched without regard to case: every `Set-Cookie` stays
 * a line of its own, any other name given twice keeps its last value, and the body's own length
 * is always the one sent (a `Content-Length` or `Transfer-Encoding` in the response is dropped).
 */
export function writeNodeResponse(
  outgoing: ServerResponse,
  response: HttpResponse,
  options: { closeConnection?: boolean } = {},
): void {
  // A flat list of names and values, Set-Cookie holding a list of values: node:http writes one
  // line per value and checks each name and value. Headers the application set earlier
  // (res.setHeader) are replaced by same-name ones here, as node:http's writeHead does with an
  // object, but for its cookies, which stay before the response's own.
  const flat: (string | string[])[] = [];
  for (const [name, value] of response.headers) {
    if (framesBody(name)) continue;
    const at = nameIndex(flat, name);
    if (at === -1) {
      flat.push(name, isSetCookie(name) ? [...cookiesSetBefore(outgoing), value] : value);
    } else {
      const existing = flat[at + 1];
      if (Array.isArray(existing)) existing.push(value);
      else flat[at + 1] = value;
    }
  }
  flat.push('Content-Length', String(Buffer.byteLength(response.body)));
  // The body's length frames it: a Transfer-Encoding the application set before would be a
  // second framing.
  if (outgoing.hasHeader('transfer-encoding')) outgoing.removeHeader('transfer-encoding');
  if (options.closeConnection === true) {
    const at = nameIndex(flat, 'Connection');
    if (at === -1) flat.push('Connection', 'close');
    else flat[at + 1] = 'close';
  }
  outgoing.writeHead(response.status, flat);
  outgoing.end(response.body);
}

/**
 * A node:http listener running a {@link RequestHandler}. A store failure becomes a 503 with
 * code `STORE_UNAVAILABLE` and anything else thrown a 500 (see `withErrorResponses`).
 */
export function createNodeListener(
  handler: RequestHandler,
  options: NodeAdapterOptions = {},
): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  const read = createNodeRequestReader(options);
  const handle = withErrorResponses(handler, options.logger ?? silentLogger);
  return (incoming, outgoing) => {
    const request = read(incoming);
    handle(request)
      .then((response) => {
        writeNodeResponse(outgoing, response, { closeConnection: request.bodyAbandoned });
      })
      .catch(() => {
        outgoing.destroy();
      });
  };
}

/** Where a header name sits in a flat list of names and values, in any case, or -1. */
function nameIndex(flat: readonly (string | string[])[], name: string): number {
  for (let index = 0; index < flat.length; index += 2) {
    const other = flat[index] as string;
    if (other === name || sameHeaderName(other, name)) return index;
  }
  return -1;
}

/** The `Set-Cookie` lines the application put on the response before, if any. */
function cookiesSetBefore(outgoing: ServerResponse): string[] {
  const set = outgoing.getHeader('set-cookie');
  if (set === undefined) return [];
  return Array.isArray(set) ? set : [String(set)];
}

function isSetCookie(name: string): boolean {
  return name === 'Set-Cookie' || sameHeaderName(name, 'set-cookie');
}

/**
 * The host of an absolute-form target (`GET http://example.com/path`), without user info, or
 * undefined for any other form. RFC 9112 section 3.2.2: the server then goes by the target's
 * authority, not by the Host header, so the host checks (the allowed hosts, CSRF's own origin)
 * see what a proxy in front would route by.
 */
function authorityOf(target: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(target);
  if (match === null) return undefined;
  const authority = match[1] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1);
}

function pathOf(target: string): string {
  let path = target;
  if (!path.startsWith('/')) {
    // Absolute-form (RFC 9112 section 3.2.2): the path is what follows the authority, taken
    // as sent. Parsing it as a URL would resolve dot segments (`%2e%2e`) that the origin-form
    // of the same request keeps, so one request would have two paths.
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (authority === null) return '';
    path = path.slice(authority[0].length) || '/';
  }
  const query = path.indexOf('?');
  const fragment = path.indexOf('#');
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? path : path.slice(0, end);
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
