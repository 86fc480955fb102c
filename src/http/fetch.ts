/**
 * Latchkey for anything that speaks Fetch `Request` and `Response` (Deno, Bun, Cloudflare-style
 * handlers, and the Hono and Next.js adapters built on this): translation only, every decision
 * is the core's (`createLatchkey`).
 *
 * ```ts
 * const auth = createFetchHandler(latchkey);
 * async function handle(request: Request): Promise<Response> {
 *   const fromAuth = await auth(request);
 *   if (fromAuth !== null) return fromAuth;
 *   const user = await requireUser(latchkey, request);
 *   if (user instanceof Response) return user;
 *   return withRenewal(Response.json({ email: user.user.email }), user);
 * }
 * ```
 *
 * @module
 */
import { WEB_REQUEST_OPTIONS, createFetchRequestReader, toFetchResponse } from './fetch-request.js';
import { refuseUnknownOptions } from './option-names.js';
import { cacheHeadersWithCookie } from './shared-caches.js';

import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { FetchRequestOptions } from './fetch-request.js';
import type { Latchkey } from './latchkey.js';
import type { HttpRequest } from './types.js';

export { createFetchRequestReader, fromFetchRequest, toFetchResponse } from './fetch-request.js';
export type { FetchProxyOptions, FetchRequestOptions } from './fetch-request.js';

/** The live session and user behind a request. */
export interface FetchAuth {
  session: Session;
  user: User;
  /**
   * A renewed session cookie (sliding renewal) to send with the response, or null when none is
   * due. {@link withRenewal} adds it.
   */
  setCookie: string | null;
}

/**
 * The auth routes (register, login, logout, session, sessions, logout-others, password,
 * password-reset, email, delete-account, verify) as a Fetch handler: the `Response` to send, or
 * null when the path is not under the routes prefix (`routesPrefix`, default `/auth`). They
 * behave exactly like the standalone server's, CSRF check included; a store outage is a 503,
 * never a throw. The peer's address is the one given with each request, else `clientAddress`.
 */
export function createFetchHandler(
  latchkey: Latchkey,
  options: FetchRequestOptions = {},
): (request: Request, info?: { clientAddress?: string }) => Promise<Response | null> {
  refuseUnknownOptions(options, WEB_REQUEST_OPTIONS, '');
  const read = createFetchRequestReader(options);
  return async (request, info = {}) => {
    const peer = info.clientAddress ?? options.clientAddress;
    const response = await latchkey.handleAuthRoute(read(request, peer));
    return response === null ? null : toFetchResponse(response);
  };
}

/**
 * The live session and user behind a request, or null for none. Throws
 * `StoreUnavailableError` when the store fails: answer 503 then, never "logged out".
 */
export async function getAuth(
  latchkey: Latchkey,
  request: Request,
  options: FetchRequestOptions = {},
): Promise<FetchAuth | null> {
  const auth = await latchkey.authenticate(translate(request, options));
  return auth.authenticated
    ? { session: auth.session, user: auth.user, setCookie: auth.setCookie }
    : null;
}

/**
 * For a route that needs a user: the session and user, or the `Response` to send instead
 * (401 `UNAUTHENTICATED`, or 503 `STORE_UNAVAILABLE` when the store fails).
 */
export async function requireUser(
  latchkey: Latchkey,
  request: Request,
  options: FetchRequestOptions = {},
): Promise<FetchAuth | Response> {
  const guard = await latchkey.requireUser(translate(request, options));
  if (!guard.ok) return toFetchResponse(guard.response);
  const { session, user, setCookie } = guard.auth;
  return { session, user, setCookie };
}

/**
 * The CSRF check for the application's own unsafe requests (every method but GET, HEAD,
 * OPTIONS, TRACE): the 403 `Response` to send, or null to go on. Run it before reading the
 * body. A store outage gives a 503.
 */
export async function checkCsrf(
  latchkey: Latchkey,
  request: Request,
  options: FetchRequestOptions = {},
): Promise<Response | null> {
  const refused = await latchkey.checkCsrf(translate(request, options));
  return refused === null ? null : toFetchResponse(refused);
}

/**
 * For a response built from a session: adds the renewed session cookie, if one is due, and
 * `Cache-Control: no-store` unless the response has its own (it is about one user); with the
 * cookie, `no-store` replaces any `Cache-Control` a shared cache may keep (`public`). Returns
 * the response to send: a copy when its headers are immutable, as those of `fetch` are.
 */
export function withRenewal(response: Response, auth: FetchAuth | null): Response {
  if (auth === null) return response;
  try {
    return addRenewal(response, auth);
  } catch {
    // Immutable headers throw on the first change, before anything was changed.
    return addRenewal(new Response(response.body, response), auth);
  }
}

// One reader per proxy setting, so that a list of proxies is parsed once, not per request.
const readers = new Map<string, (request: Request, clientAddress?: string) => HttpRequest>();

// Options objects already checked: an application passes the same one with every request.
const checked = new WeakSet<FetchRequestOptions>();

function translate(request: Request, options: FetchRequestOptions): HttpRequest {
  if (!checked.has(options)) {
    refuseUnknownOptions(options, WEB_REQUEST_OPTIONS, '');
    checked.add(options);
  }
  const key = JSON.stringify([
    options.trustProxy ?? false,
    options.proxyHeader ?? 'x-forwarded',
    options.trustForwardedHost ?? false,
    options.schemeFromUrl ?? true,
  ]);
  let read = readers.get(key);
  if (read === undefined) {
    read = createFetchRequestReader(options);
    readers.set(key, read);
  }
  return read(request, options.clientAddress);
}

function addRenewal(response: Response, auth: FetchAuth): Response {
  if (auth.setCookie !== null) {
    response.headers.append('Set-Cookie', auth.setCookie);
    // Whatever the application said, no shared cache may keep the session cookie.
    const changes = cacheHeadersWithCookie((name) => response.headers.get(name));
    for (const [name, value] of changes) response.headers.set(name, value);
    return response;
  }
  // RFC 9111 section 5.2.2.5: no shared cache may keep a response about one user.
  if (!response.headers.has('cache-control')) response.headers.set('Cache-Control', 'no-store');
  return response;
}
