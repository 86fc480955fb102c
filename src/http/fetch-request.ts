import { optionNames } from './option-names.js';
import { createClientResolver } from './proxy.js';
import { framesBody, sameHeaderName } from './respond.js';

import type { ForwardingHeader, ForwardingInput, ResolvedClient, TrustProxy } from './proxy.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** How a Web `Request` is read: which proxies to believe about the client. */
export interface FetchProxyOptions {
  /**
   * Which proxies to believe about the client; see {@link TrustProxy}. The peer is the
   * `clientAddress` given with the request. Default: false (forwarding headers are ignored).
   */
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
   * Whether the request URL's scheme says how the client connected. Default: true. A framework
   * that builds the URL from a client-sent `X-Forwarded-Proto` (Next.js does) must not be
   * believed there unless `trustProxy` is set; its adapter turns this off.
   */
  schemeFromUrl?: boolean;
}

/** Options for {@link fromFetchRequest}. */
export interface FetchRequestOptions extends FetchProxyOptions {
  /**
   * The address of the peer that sent the request, as the server saw it: a Web `Request`
   * carries none (`Deno.serve` and `Bun.serve` hand it over beside the request). Login
   * throttling counts failures per address; without one it has only the per-account limits.
   * Default: `''` (unknown).
   */
  clientAddress?: string;
}

/**
 * The option names of the adapters that read Web `Request`s (Fetch, Hono, Next.js), which they
 * check options by: the proxy options and `clientAddress`, which each of them types its own way.
 */
export const WEB_REQUEST_OPTIONS = optionNames<FetchRequestOptions>({
  trustProxy: true,
  proxyHeader: true,
  trustForwardedHost: true,
  schemeFromUrl: true,
  clientAddress: true,
});

/**
 * Translates Web `Request`s. Checks the proxy options once. Each `Request` is translated once
 * (later calls return the same {@link HttpRequest}), so that a body read by the CSRF check is
 * not read again by the auth routes.
 */
export function createFetchRequestReader(
  options: FetchProxyOptions = {},
): (request: Request, clientAddress?: string) => HttpRequest {
  const forwardedHost = options.trustForwardedHost ?? false;
  const resolveClient = createClientResolver(options.trustProxy ?? false, {
    header: options.proxyHeader ?? 'x-forwarded',
    trustForwardedHost: forwardedHost,
  });
  const schemeFromUrl = options.schemeFromUrl ?? true;
  const seen = new WeakMap<Request, HttpRequest>();
  return (request, clientAddress = '') => {
    let translated = seen.get(request);
    if (translated === undefined) {
      translated = translate(request, clientAddress, resolveClient, {
        schemeFromUrl,
        forwardedHost,
      });
      seen.set(request, translated);
    }
    return translated;
  };
}

/**
 * One Web `Request` seen through {@link HttpRequest}: method, path and protocol from its URL,
 * headers as they are, the client after any trusted proxy. The body is read from a clone, up to
 * the limit asked, so the application can still read it afterwards.
 */
export function fromFetchRequest(request: Request, options: FetchRequestOptions = {}): HttpRequest {
  return createFetchRequestReader(options)(request, options.clientAddress ?? '');
}

/**
 * A Web `Response` for a Latchkey response. Each `Set-Cookie` stays its own header line
 * (`Headers.append`; RFC 6265bis section 3 forbids folding them into one); any other name given
 * twice keeps its last value, and a `Content-Length` or `Transfer-Encoding` in the response is
 * dropped: the runtime frames the body it is given.
 */
export function toFetchResponse(response: HttpResponse): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) {
    if (sameHeaderName(name, 'set-cookie')) headers.append(name, value);
    else if (!framesBody(name)) headers.set(name, value);
  }
  return new Response(response.body === '' ? null : response.body, {
    status: response.status,
    headers,
  });
}

function translate(
  request: Request,
  clientAddress: string,
  resolveClient: (input: ForwardingInput) => ResolvedClient,
  options: { schemeFromUrl: boolean; forwardedHost: boolean },
): HttpRequest {
  const url = new URL(request.url);
  const single = (name: string): string | undefined => request.headers.get(name) ?? undefined;
  const client = resolveClient({
    remoteAddress: clientAddress,
    encrypted: options.schemeFromUrl && url.protocol === 'https:',
    forwarded: single('forwarded'),
    xForwardedFor: single('x-forwarded-for'),
    xForwardedProto: single('x-forwarded-proto'),
    xForwardedHost: options.forwardedHost ? single('x-forwarded-host') : undefined,
    host: options.forwardedHost ? (single('host') ?? url.host) : undefined,
  });
  const host = client.host;
  let body: Promise<Uint8Array | null> | undefined;
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    clientAddress: client.address,
    protocol: client.protocol,
    // Headers.get joins repeated values with ", ", Cookie included (the Fetch standard makes
    // no exception for it); browsers send a single Cookie header. A Request made in code, or
    // from HTTP/2 (`:authority`), may have no Host header: the URL's host is the same fact.
    header: (name) => (name === 'host' ? (host ?? single(name) ?? url.host) : single(name)),
    readBody(limitBytes) {
      body ??= readLimited(request, limitBytes);
      return body;
    },
  };
}

async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) return null;
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) {
    throw new TypeError(
      'latchkey: the request body was already read; run Latchkey (the CSRF check, the auth ' +
        'routes) before the application reads the body',
    );
  }

  // A clone, so that the application can still read the original body after the CSRF check.
  const reader = (request.clone().body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limitBytes) {
        // Not awaited: cancelling one branch of a tee settles only once the other branch (the
        // application's body) is cancelled too. Cancelling stops this branch from buffering.
        reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch {
    // The client went away mid-body: like node.ts, no body to act on.
    return null;
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
