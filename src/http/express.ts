import { StoreUnavailableError } from '../errors.js';
import {
  appendSetCookie,
  readExpressRequest,
  removeSetCookie,
  respondFromNode,
} from './express-translate.js';
import { responseForError } from './guard.js';
import { createNodeRequestReader } from './node.js';
import { optionNames, refuseUnknownOptions } from './option-names.js';
import { unauthenticated } from './routes/sessions.js';
import { keepFromSharedCaches } from './shared-caches.js';

import type { ServerResponse } from 'node:http';
import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { ExpressRequest } from './express-translate.js';
import type { Latchkey } from './latchkey.js';
import type { ForwardingHeader, TrustProxy } from './proxy.js';

/**
 * Latchkey for Express 4 and 5, as middleware. It imports nothing from Express: the functions
 * take node:http's request and response, which Express's extend.
 *
 * ```ts
 * app.use(latchkey(createLatchkey({ sessionStore, userStore, secrets })));
 * app.use('/auth', authRouter());
 * app.use(express.json(), csrf());
 * app.get('/api/secure-data', requireUser(), (req, res) => res.json({ user: req.latchkey?.user }));
 * ```
 *
 * @module
 */

/** The live session behind a request and its user, as `req.latchkey` holds them. */
export interface CurrentSession {
  readonly session: Session;
  readonly user: User;
}

declare global {
  // Express types its request as the global `Express.Request`, made to be merged into.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The live session and its user, or null for an anonymous request. Set by the
       * `latchkey()` middleware of `latchkey/express`; undefined on routes it does not run for.
       */
      latchkey: CurrentSession | null;
    }
  }
}

/** Options for {@link latchkey}. */
export interface ExpressLatchkeyOptions {
  /**
   * Which proxies to believe about the client's address and scheme; see `TrustProxy`. Express's
   * own `trust proxy` setting is not read: set both to the same proxies. Default: false.
   */
  trustProxy?: TrustProxy;
  /** Which header those proxies write; see `ForwardingHeader`. Default: `x-forwarded`. */
  proxyHeader?: ForwardingHeader;
  /**
   * Take the `host` header from those proxies' `X-Forwarded-Host` (or `Forwarded: host=`), for
   * the origin unsafe requests are compared with, only when `Host` is an IP address or a private
   * name; see `ClientResolverOptions`. Default: false.
   */
  trustForwardedHost?: boolean;
}

/** Express middleware, typed without Express: `(req, res, next) => void`. */
export type ExpressMiddleware = (
  req: ExpressRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

export type { ExpressRequest } from './express-translate.js';

const STATE = Symbol('latchkey/express');

interface RequestState {
  instance: Latchkey;
  read: ReturnType<typeof createNodeRequestReader>;
  /** The renewed session cookie `latchkey()` appended, so that an auth route can take it back. */
  renewal: string | null;
}

type Tagged = ExpressRequest & { [STATE]?: RequestState };

const EXPRESS_OPTIONS = optionNames<ExpressLatchkeyOptions>({
  trustProxy: true,
  proxyHeader: true,
  trustForwardedHost: true,
});

/**
 * Finds the session behind every request and sets `req.latchkey` to `{ session, user }`, or to
 * null. When the session's idle expiry slides, the renewed cookie is appended to the response's
 * `Set-Cookie` (the application's own cookies stay), with `Cache-Control: no-store` unless the
 * application set a `Cache-Control` of its own. Mount it before {@link authRouter},
 * {@link requireUser} and {@link csrf}, which use it.
 *
 * A store outage is answered here with 503 `STORE_UNAVAILABLE` for requests that carry a
 * session cookie: never read as "logged out". Requests without one never touch the store.
 */
export function latchkey(
  instance: Latchkey,
  options: ExpressLatchkeyOptions = {},
): ExpressMiddleware {
  refuseUnknownOptions(options, EXPRESS_OPTIONS, '');
  const read = createNodeRequestReader({
    trustProxy: options.trustProxy ?? false,
    proxyHeader: options.proxyHeader ?? 'x-forwarded',
    trustForwardedHost: options.trustForwardedHost ?? false,
    logger: instance.context.logger,
  });

  return (req: Tagged, res, next) => {
    const state: RequestState = { instance, read, renewal: null };
    req[STATE] = state;
    req.latchkey = null;
    run(next, async () => {
      let auth;
      try {
        auth = await instance.authenticate(readExpressRequest(read, req, { consume: false }));
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        respondFromNode(res, responseForError(error, instance.context.logger));
        return;
      }
      if (auth.authenticated) {
        req.latchkey = { session: auth.session, user: auth.user };
        if (auth.setCookie !== null) {
          state.renewal = auth.setCookie;
          appendSetCookie(res, auth.setCookie);
          keepFromSharedCaches(res);
        }
      }
      next();
    });
  };
}

/**
 * For routes that need a user: goes on when `req.latchkey` holds a live session, else answers
 * 401 with code `UNAUTHENTICATED` (JSON, `Cache-Control: no-store`). Never calls `next` with an
 * error for an anonymous request. The route's response gets `Cache-Control: no-store` unless a
 * `Cache-Control` is already set; the route may set its own.
 */
export function requireUser(): ExpressMiddleware {
  return (req: Tagged, res, next) => {
    if (req[STATE] === undefined) {
      next(notMounted('requireUser()'));
      return;
    }
    if (req.latchkey == null) {
      respondFromNode(res, unauthenticated());
      return;
    }
    // An answer made for one user must not be kept by a shared cache; a route may say otherwise.
    if (!res.hasHeader('cache-control')) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/**
 * The CSRF check for the application's own routes: any unsafe request (every method but GET,
 * HEAD, OPTIONS, TRACE) from another site gets 403 with a stable code (`CSRF_CROSS_SITE`,
 * `CSRF_ORIGIN_MISMATCH`, `CSRF_TOKEN_MISSING`, `CSRF_TOKEN_INVALID`). Use it app-wide, after
 * the body parsers: it never reads the request stream itself, so a `csrf_token` form field is
 * seen only once `express.urlencoded()` has parsed the body (the `X-CSRF-Token` header always).
 */
export function csrf(): ExpressMiddleware {
  return (req: Tagged, res, next) => {
    const state = req[STATE];
    if (state === undefined) {
      next(notMounted('csrf()'));
      return;
    }
    run(next, async () => {
      const request = readExpressRequest(state.read, req, { consume: false });
      const refused = await state.instance.checkCsrf(request);
      if (refused === null) next();
      else respondFromNode(res, refused);
    });
  };
}

/**
 * The auth routes (register, login, logout, session, sessions, logout-others, password),
 * answering exactly as the standalone server's do, CSRF check included. Mount it at the
 * instance's `routesPrefix` (`app.use('/auth', authRouter())`) or without a path; other paths
 * go on to `next()`.
 *
 * Mount it before `express.json()` and `express.urlencoded()` so that it reads the raw body
 * with its own limit and errors. After them it still works, from the parsed `req.body`, but a
 * malformed or oversized body is then answered by the parser, not by Latchkey.
 */
export function authRouter(): ExpressMiddleware {
  return (req: Tagged, res, next) => {
    const state = req[STATE];
    if (state === undefined) {
      next(notMounted('authRouter()'));
      return;
    }
    run(next, async () => {
      const request = readExpressRequest(state.read, req, { consume: true });
      const response = await state.instance.handleAuthRoute(request);
      if (response === null) {
        next();
        return;
      }
      // When the route sets (or clears) the session cookie itself, the renewal `latchkey()`
      // added for the same cookie would contradict it; otherwise the renewal must go out.
      const sessionCookieName = state.instance.context.cookie.name;
      const setsSessionCookie = response.headers.some(
        ([name, value]) =>
          name.toLowerCase() === 'set-cookie' && value.startsWith(`${sessionCookieName}=`),
      );
      if (state.renewal !== null && setsSessionCookie) removeSetCookie(res, state.renewal);
      respondFromNode(res, response, { closeConnection: request.bodyAbandoned });
    });
  };
}

function run(next: (error?: unknown) => void, task: () => Promise<void>): void {
  task().catch(next);
}

function notMounted(name: string): Error {
  return new Error(
    `latchkey: ${name} found no Latchkey on the request; ` +
      'mount app.use(latchkey(instance)) before it',
  );
}
