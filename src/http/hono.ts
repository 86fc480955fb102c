/**
 * Latchkey for Hono 4, through the Fetch translation: translation only, every decision is the
 * core's (`createLatchkey`). Imports nothing from Hono at run time, only its types.
 *
 * ```ts
 * const app = new Hono<LatchkeyEnv>();
 * app.use(latchkey(instance));
 * app.use(csrf());
 * app.all('/auth/*', authRoutes());
 * app.get('/api/secure-data', requireUser(), (c) => c.json({ user: c.var.latchkey.user }));
 * ```
 *
 * @module
 */
import { StoreUnavailableError } from '../errors.js';
import { WEB_REQUEST_OPTIONS, createFetchRequestReader } from './fetch-request.js';
import { responseForError } from './guard.js';
import { refuseUnknownOptions } from './option-names.js';
import { framesBody, sameHeaderName } from './respond.js';
import { unauthenticated } from './routes/sessions.js';
import { cacheHeadersWithCookie } from './shared-caches.js';

import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { FetchProxyOptions } from './fetch-request.js';
import type { Latchkey } from './latchkey.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** The live session and user behind a request. */
export interface LatchkeyAuth {
  session: Session;
  user: User;
}

/** What {@link latchkey} sets: `c.var.latchkey` is the session and user, or null for none. */
export interface LatchkeyVariables {
  latchkey: LatchkeyAuth | null;
}

/** The Hono environment of an application using {@link latchkey}: `new Hono<LatchkeyEnv>()`. */
export interface LatchkeyEnv {
  Variables: LatchkeyVariables;
}

/** Options for {@link latchkey}. */
export interface LatchkeyHonoOptions extends FetchProxyOptions {
  /**
   * The address of the peer that sent the request. Default: the socket's remote address under
   * `@hono/node-server`, else `''` (unknown: login throttling then has no per-address limit,
   * only the per-account ones). On other runtimes pass it from their connection info.
   */
  clientAddress?: (c: Context) => string | undefined;
}

interface RequestState {
  instance: Latchkey;
  request: HttpRequest;
}

// Per request, for requireUser(), csrf() and authRoutes() to find what latchkey() prepared.
const states = new WeakMap<Request, RequestState>();

/**
 * Middleware: sets `c.var.latchkey` to the live session and user, or null, and adds the
 * renewed session cookie (sliding renewal) to the response, with `Cache-Control: no-store`
 * unless the response has its own; not when the response sets the session cookie itself.
 * A request whose session cannot be checked because the store fails is answered 503
 * `STORE_UNAVAILABLE`, never treated as logged out. Mount it before the others:
 * `app.use(latchkey(instance))`.
 */
export function latchkey(
  instance: Latchkey,
  options: LatchkeyHonoOptions = {},
): MiddlewareHandler<LatchkeyEnv> {
  refuseUnknownOptions(options, WEB_REQUEST_OPTIONS, '');
  const read = createFetchRequestReader(options);
  const cookieName = instance.context.cookie.name;

  return async (c, next) => {
    const request = read(c.req.raw, options.clientAddress?.(c) ?? nodeServerAddress(c) ?? '');
    states.set(c.req.raw, { instance, request });
    let auth;
    try {
      auth = await instance.authenticate(request);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return respond(c, responseForError(error, instance.context.logger));
    }
    c.set('latchkey', auth.authenticated ? { session: auth.session, user: auth.user } : null);
    await next();

    // A response that sets the session cookie (login, logout) must not get the old one back.
    const renewal = auth.authenticated ? auth.setCookie : null;
    if (renewal !== null && !setsCookie(c.res, cookieName)) {
      c.header('Set-Cookie', renewal, { append: true });
      // Whatever the route said, no shared cache may keep a response with the session cookie.
      const changes = cacheHeadersWithCookie((name) => c.res.headers.get(name));
      for (const [name, value] of changes) c.header(name, value);
    }
  };
}

/**
 * Middleware for routes that need a user: answers 401 `UNAUTHENTICATED` (JSON) without a live
 * session; after it, `c.var.latchkey` is never null. The route's response gets
 * `Cache-Control: no-store` unless it sets its own: it is about one user.
 */
export function requireUser(): MiddlewareHandler<{ Variables: { latchkey: LatchkeyAuth } }> {
  return async (c, next) => {
    stateOf(c, 'requireUser()');
    if ((c.var as Partial<LatchkeyVariables>).latchkey == null) {
      return respond(c, unauthenticated());
    }
    // Set before the route runs, so that the route's own Cache-Control replaces it, and so
    // that the response is not copied afterwards to add it.
    c.header('Cache-Control', 'no-store');
    await next();
  };
}

/**
 * Middleware: the CSRF check for every unsafe request (every method but GET, HEAD, OPTIONS,
 * TRACE), answering 403 with a stable code when it fails. Mount it application-wide, before
 * anything that reads the body: `app.use(csrf())`.
 */
export function csrf(): MiddlewareHandler {
  return async (c, next) => {
    const { instance, request } = stateOf(c, 'csrf()');
    const refused = await instance.checkCsrf(request);
    if (refused !== null) return respond(c, refused);
    await next();
  };
}

/**
 * The auth routes (register, login, logout, session, sessions, logout-others, password, email) as a
 * handler: `app.all('/auth/*', authRoutes())`, at the instance's `routesPrefix` (default
 * `/auth`). They behave exactly like the standalone server's, CSRF check included. Paths
 * outside the prefix go on to the next handler.
 */
export function authRoutes(): MiddlewareHandler {
  return async (c, next) => {
    const { instance, request } = stateOf(c, 'authRoutes()');
    const response = await instance.handleAuthRoute(request);
    if (response === null) {
      await next();
      return;
    }
    return respond(c, response);
  };
}

function stateOf(c: Context, what: string): RequestState {
  const state = states.get(c.req.raw);
  if (state === undefined) {
    throw new Error(
      `latchkey: ${what} needs the latchkey() middleware to run first: ` +
        'app.use(latchkey(instance)) before the routes',
    );
  }
  return state;
}

/** The socket's peer under @hono/node-server, whose `c.env` holds the node:http request. */
function nodeServerAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/**
 * A Latchkey response made through the context, so that what the application set on it before
 * (`c.header`, a cookie helper) goes out too, as on a response of its own: its cookies beside
 * Latchkey's, its other headers unless Latchkey's has one of the same name. The headers go in
 * with `c.header`: once a middleware has read `c.res` (as `cors()` does), Hono copies that
 * response's headers over whatever response comes back, Set-Cookie lines included, so headers
 * given only with the body would be lost (the session cookie of a login among them).
 */
function respond(c: Context, response: HttpResponse): Response {
  // The runtime frames the body: none of the application's framing headers may come along.
  c.header('Content-Length', undefined);
  c.header('Transfer-Encoding', undefined);
  for (const [name, value] of response.headers) {
    if (framesBody(name)) continue;
    if (sameHeaderName(name, 'set-cookie')) c.header(name, value, { append: true });
    else c.header(name, value);
  }
  return response.body === ''
    ? c.body(null, response.status as StatusCode)
    : c.body(response.body, response.status as ContentfulStatusCode);
}

function setsCookie(response: Response, name: string): boolean {
  return response.headers.getSetCookie().some((line) => line.startsWith(`${name}=`));
}
