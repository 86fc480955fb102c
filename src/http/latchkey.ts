import {
  RESET_TOKEN_DEFAULT_LIFETIME_SECONDS,
  RESET_TOKEN_MAX_LIFETIME_SECONDS,
  issueResetToken,
} from '../accounts/reset-token.js';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { authenticateRequest } from './authenticate.js';
import { createAuthRoutes } from './auth-routes.js';
import { createAuthContext } from './context.js';
import { refuseUnknownOptions } from './option-names.js';
import { checkCsrf } from './csrf-check.js';
import { responseForError } from './guard.js';
import { unauthenticated } from './routes/sessions.js';

import type { RequestAuth } from './authenticate.js';
import type { AuthContext, AuthContextOptions } from './context.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** Options for {@link createLatchkey}: the context's, plus where the auth routes live. */
export interface LatchkeyOptions extends AuthContextOptions {
  /**
   * Path prefix of the auth routes: a slash before each segment and none at the end, as in
   * `/api/auth`, or `/` for the root (`/login`, `/session`...). Default: `/auth`.
   */
  routesPrefix?: string;
}

/** What a request turned out to be, for a route that needs a user. */
export type GuardResult =
  | { ok: true; auth: Extract<RequestAuth, { authenticated: true }> }
  | { ok: false; response: HttpResponse };

/**
 * Latchkey for an application: the framework-neutral core that every adapter (node:http,
 * Express, Fastify, Hono, Next.js, Fetch) translates to and from. Adapters hold no logic.
 */
export interface Latchkey {
  /** The resolved configuration and services. */
  readonly context: AuthContext;
  /**
   * The auth routes (register, login, logout, session, sessions, logout-others, password,
   * email), with their CSRF check, behaving exactly like the standalone server's. Null for other
   * paths. A store outage is answered with 503, never thrown.
   */
  handleAuthRoute(request: HttpRequest): Promise<HttpResponse | null>;
  /**
   * Who sent the request. Throws `StoreUnavailableError` when the store fails (answer 503).
   * When `setCookie` is not null, send it: it renews the session cookie.
   */
  authenticate(request: HttpRequest): Promise<RequestAuth>;
  /**
   * For a route that needs a user: the live session and user, or the response to send
   * instead (401 `UNAUTHENTICATED`, or 503 `STORE_UNAVAILABLE`). Never throws for a store
   * failure.
   */
  requireUser(request: HttpRequest): Promise<GuardResult>;
  /**
   * The CSRF check for any unsafe request (every method but GET, HEAD, OPTIONS, TRACE): the 403
   * to send, or null to go on. Run it before every state-changing route of the application;
   * the auth routes run it themselves. Never throws for a store failure (503 instead).
   */
  checkCsrf(request: HttpRequest): Promise<HttpResponse | null>;
  /**
   * A password reset token for an enabled user, or null when there is none with this id: for
   * the application to send to the user (by email, say) in a link to its own reset page, which
   * posts it with the new password to `POST {routesPrefix}/password-reset`. It works once, for
   * `lifetimeSeconds` (default 3,600; at most 7 days), and only while the password and email stay
   * as they are and the account enabled; nothing is stored.
   */
  issuePasswordReset(
    userId: string,
    options?: { lifetimeSeconds?: number },
  ): Promise<string | null>;
}

/**
 * Builds Latchkey for an application over its stores. Checks every option once, here: a
 * mistake throws `ConfigError` naming it.
 */
export function createLatchkey(options: LatchkeyOptions): Latchkey {
  const { routesPrefix, ...contextOptions } = options;
  const prefix = resolveRoutesPrefix(routesPrefix);
  const context = createAuthContext(contextOptions);
  const routes = createAuthRoutes(context, { prefix });

  return {
    context,
    async handleAuthRoute(request) {
      try {
        return await routes(request);
      } catch (error) {
        return responseForError(error, context.logger);
      }
    },
    authenticate: (request) => authenticateRequest(context, request),
    async requireUser(request) {
      try {
        const auth = await authenticateRequest(context, request);
        return auth.authenticated ? { ok: true, auth } : { ok: false, response: unauthenticated() };
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          return { ok: false, response: responseForError(error, context.logger) };
        }
        throw error;
      }
    },
    async issuePasswordReset(userId, options = {}) {
      refuseUnknownOptions(options, ['lifetimeSeconds'], '');
      const lifetimeSeconds = options.lifetimeSeconds ?? RESET_TOKEN_DEFAULT_LIFETIME_SECONDS;
      if (
        !Number.isSafeInteger(lifetimeSeconds) ||
        lifetimeSeconds < 1 ||
        lifetimeSeconds > RESET_TOKEN_MAX_LIFETIME_SECONDS
      ) {
        throw new ConfigError(
          'lifetimeSeconds',
          'must be a whole number of seconds from 1 to ' +
            `${String(RESET_TOKEN_MAX_LIFETIME_SECONDS)} (7 days)`,
        );
      }
      const bound = await context.accounts.resetBindingOf(userId);
      if (bound === null) return null;
      const expiresAtMs = context.clock() + lifetimeSeconds * 1000;
      return issueResetToken(context.keys, { id: userId, ...bound }, expiresAtMs);
    },
    async checkCsrf(request) {
      try {
        return await checkCsrf(context, request);
      } catch (error) {
        if (error instanceof StoreUnavailableError) return responseForError(error, context.logger);
        throw error;
      }
    },
  };
}

// Segments of RFC 3986's path characters (section 3.3: `pchar`, less percent-escapes, which a
// browser may write otherwise), each after a slash, none of them `.` or `..`: request paths are
// compared with it as they arrive, so it must be written as a browser sends it.
const ROUTES_PREFIX = /^(?:\/(?!\.\.?(?:\/|$))[\w.~!$&'()*+,;=:@-]+)+$/;

function resolveRoutesPrefix(prefix: unknown = '/auth'): string {
  // The root: the routes are then `/login`, `/session` and so on.
  if (prefix === '' || prefix === '/') return '';
  if (typeof prefix === 'string' && ROUTES_PREFIX.test(prefix)) return prefix;
  const tidy =
    typeof prefix === 'string'
      ? `/${prefix
          .split('/')
          .filter((segment) => segment !== '')
          .join('/')}`
      : '';
  const example = ROUTES_PREFIX.test(tidy) ? tidy : '/auth';
  throw new ConfigError(
    'routesPrefix',
    `${JSON.stringify(prefix)} is not a path prefix; write it with a slash before each segment ` +
      `and none at the end, without %-escapes or . and .. segments, as in "${example}" ` +
      '(or "/" for the root)',
  );
}
