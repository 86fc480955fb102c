/**
 * Latchkey for the Next.js App Router (route handlers and `proxy.ts`), through the Fetch
 * translation: translation only, every decision is the core's (`createLatchkey`). Node.js
 * runtime only (the stores open files and sockets). Imports nothing from Next.js at run time.
 *
 * ```ts
 * // lib/latchkey.ts
 * export const auth = latchkeyNext(() => sharedInstance('app', () => createLatchkey({ ... })));
 * // app/auth/[...latchkey]/route.ts
 * export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = auth.handlers;
 * // app/api/secure-data/route.ts
 * export async function GET(request: Request) {
 *   const user = await auth.requireUser(request);
 *   if (user instanceof Response) return user;
 *   return withRenewal(Response.json({ email: user.user.email }), user);
 * }
 * ```
 *
 * @module
 */
import { createFetchHandler, checkCsrf, getAuth, requireUser } from './fetch.js';
import { refuseUnknownOptions } from './option-names.js';
import { notFound } from './respond.js';
import { WEB_REQUEST_OPTIONS, toFetchResponse } from './fetch-request.js';
import { createClientResolver } from './proxy.js';

import type { FetchAuth } from './fetch.js';
import type { FetchProxyOptions, FetchRequestOptions } from './fetch-request.js';
import type { Latchkey } from './latchkey.js';

export { withRenewal } from './fetch.js';
export type { FetchAuth } from './fetch.js';

/** Options for {@link latchkeyNext} and {@link createNextHandlers}. */
export interface LatchkeyNextOptions extends FetchProxyOptions {
  /**
   * The address of the peer that sent the request. Next.js gives route handlers no socket, so
   * the default is `''` (unknown: login throttling then has only the per-account limits).
   * Behind a proxy that appends to `X-Forwarded-For`, set `trustProxy` to the number of proxies
   * instead: the peer's own address is then never needed.
   */
  clientAddress?: (request: Request) => string | undefined;
}

/** A route handler as `app/.../route.ts` exports it. */
export type NextRouteHandler = (request: Request) => Promise<Response>;

/** The auth routes' handlers, one per method, to re-export from a catch-all `route.ts`. */
export interface NextAuthHandlers {
  GET: NextRouteHandler;
  HEAD: NextRouteHandler;
  POST: NextRouteHandler;
  PUT: NextRouteHandler;
  PATCH: NextRouteHandler;
  DELETE: NextRouteHandler;
  OPTIONS: NextRouteHandler;
}

/** Latchkey bound to one instance, for route handlers and `proxy.ts`. */
export interface LatchkeyNext {
  /** The auth routes; see {@link createNextHandlers}. */
  handlers: NextAuthHandlers;
  /**
   * The live session and user (with the renewal cookie to add with `withRenewal`), or null.
   * Throws `StoreUnavailableError` when the store fails: answer 503, never "logged out".
   */
  getSession(request: Request): Promise<FetchAuth | null>;
  /** The session and user, or the 401 (503 when the store fails) `Response` to return. */
  requireUser(request: Request): Promise<FetchAuth | Response>;
  /** The CSRF check for an unsafe request: the 403 `Response` to return, or null to go on. */
  checkCsrf(request: Request): Promise<Response | null>;
  /**
   * For `proxy.ts`: the CSRF check on every unsafe request of the application (403, or 503 when
   * the store fails), else undefined to let the request go on. It does not guard routes: each
   * route handler calls `requireUser`, as Next.js advises (a proxy can be bypassed by a
   * matcher change and does not run for every Server Function).
   */
  proxy(request: Request): Promise<Response | undefined>;
}

/**
 * The auth routes (register, login, logout, session, sessions, logout-others, password,
 * password-reset, email, delete-account, verify) as Next.js route handlers for
 * `app/auth/[...latchkey]/route.ts`, at the instance's `routesPrefix` (default `/auth`; with a
 * `basePath`, include it). They behave exactly like the standalone server's, CSRF check and 405
 * answers included.
 */
export function createNextHandlers(
  latchkey: Latchkey | (() => Latchkey),
  given: LatchkeyNextOptions = {},
): NextAuthHandlers {
  // The address is found for each request (below); the handler takes the proxy options.
  const { clientAddress: addressOf, ...proxy } = withoutUrlScheme(given);
  const instance = lazy(latchkey);
  let handle: ReturnType<typeof createFetchHandler> | undefined;
  const route: NextRouteHandler = async (request) => {
    handle ??= createFetchHandler(instance(), proxy);
    const clientAddress = addressOf?.(request) ?? '';
    // Null: the route file sits outside the prefix; answer as the server does for no route.
    return (await handle(request, { clientAddress })) ?? toFetchResponse(notFound());
  };
  return {
    GET: route,
    HEAD: route,
    POST: route,
    PUT: route,
    PATCH: route,
    DELETE: route,
    OPTIONS: route,
  };
}

/**
 * Latchkey for Next.js over one instance; see {@link LatchkeyNext}. Pass a function to open
 * the instance on the first request rather than at import: `next build` imports every route
 * module, and should not open the database.
 */
export function latchkeyNext(
  latchkey: Latchkey | (() => Latchkey),
  given: LatchkeyNextOptions = {},
): LatchkeyNext {
  const options = withoutUrlScheme(given);
  const instance = lazy(latchkey);
  const requestOptions = (request: Request): FetchRequestOptions => ({
    ...options,
    clientAddress: options.clientAddress?.(request) ?? '',
  });
  return {
    handlers: createNextHandlers(instance, options),
    getSession: (request) => getAuth(instance(), request, requestOptions(request)),
    requireUser: (request) => requireUser(instance(), request, requestOptions(request)),
    checkCsrf: (request) => checkCsrf(instance(), request, requestOptions(request)),
    async proxy(request) {
      return (await checkCsrf(instance(), request, requestOptions(request))) ?? undefined;
    },
  };
}

/**
 * The value `create` makes, made once per process: kept on `globalThis` under `key`, so that
 * `next dev` reloading a module reuses it instead of opening the database again, and route
 * handlers and `proxy.ts` (bundled apart) share one instance.
 */
export function sharedInstance<T>(key: string, create: () => T): T {
  const slot = Symbol.for(`latchkey.shared.${key}`);
  const shelf = globalThis as unknown as Record<symbol, T | undefined>;
  return (shelf[slot] ??= create());
}

/**
 * Next.js builds `request.url` from `X-Forwarded-Proto` when a client sends one, so the URL's
 * scheme is believed only when the application trusts proxies (then the proxy sets it).
 */
function withoutUrlScheme(options: LatchkeyNextOptions): LatchkeyNextOptions {
  // Checked now, so that a mistake fails where the handlers are made, not at every request.
  refuseUnknownOptions(options, WEB_REQUEST_OPTIONS, '');
  createClientResolver(options.trustProxy ?? false, {
    header: options.proxyHeader ?? 'x-forwarded',
    trustForwardedHost: options.trustForwardedHost ?? false,
  });
  const trusted = options.trustProxy !== undefined && options.trustProxy !== false;
  return { ...options, schemeFromUrl: options.schemeFromUrl ?? trusted };
}

/** The instance, made on first use when given as a function, then kept. */
function lazy(latchkey: Latchkey | (() => Latchkey)): () => Latchkey {
  if (typeof latchkey !== 'function') return () => latchkey;
  let made: Latchkey | undefined;
  return () => (made ??= latchkey());
}
