import { checkCsrf } from './csrf-check.js';
import { methodNotAllowed, notFound } from './respond.js';
import { changeEmail, changePassword } from './routes/account-changes.js';
import { deleteAccount } from './routes/account-deletion.js';
import { login, register } from './routes/credentials.js';
import { dbscRefresh, dbscRegister } from './routes/dbsc.js';
import { resetPassword } from './routes/password-reset.js';
import {
  currentSession,
  listSessions,
  logout,
  logoutOthers,
  revokeSession,
} from './routes/sessions.js';
import { verifyForProxy } from './routes/verify.js';

import type { AuthContext } from './context.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** Options for {@link createAuthRoutes}. */
export interface AuthRoutesOptions {
  /** Path prefix of the routes. Default: `/auth`. */
  prefix?: string;
  /**
   * Check unsafe requests for CSRF before handling them. Turn it off only when the whole
   * application already runs `checkCsrf` on every request. Default: true.
   */
  csrf?: boolean;
}

type Handler = (context: AuthContext, request: HttpRequest, param: string) => Promise<HttpResponse>;

const ROUTES: Record<string, Partial<Record<'GET' | 'POST' | 'DELETE', Handler>>> = {
  '/register': { POST: register },
  '/login': { POST: login },
  '/logout': { POST: logout },
  '/logout-others': { POST: logoutOthers },
  '/password': { POST: changePassword },
  '/password-reset': { POST: resetPassword },
  '/email': { POST: changeEmail },
  '/delete-account': { POST: deleteAccount },
  '/session': { GET: currentSession },
  '/sessions': { GET: listSessions },
  '/sessions/:id': { DELETE: revokeSession },
  '/verify': { GET: verifyForProxy },
  '/dbsc/register': { POST: dbscRegister },
  '/dbsc/refresh': { POST: dbscRefresh },
};

// Any one path segment: an id of the wrong shape is a session this user does not have (404 from
// the route, after the session check), not a path that does not exist.
const SESSION_ID = /^\/sessions\/([^/]+)$/;

/**
 * The auth routes, behaving the same behind the standalone server and every adapter:
 *
 * - `POST /auth/register`, `POST /auth/login`, `POST /auth/logout`, `POST /auth/password`,
 *   `POST /auth/password-reset`, `POST /auth/email`, `POST /auth/delete-account`
 * - `GET /auth/session`, `GET /auth/sessions`, `DELETE /auth/sessions/:id`,
 *   `POST /auth/logout-others`
 * - `GET /auth/verify` (forward authentication for a reverse proxy guarding another app)
 * - `POST /auth/dbsc/register`, `POST /auth/dbsc/refresh` (Device Bound Session Credentials,
 *   404 unless turned on)
 *
 * Every unsafe request is checked for CSRF first. Returns null for a path outside the prefix,
 * so that callers can try other routes.
 */
export function createAuthRoutes(
  context: AuthContext,
  options: AuthRoutesOptions = {},
): (request: HttpRequest) => Promise<HttpResponse | null> {
  const prefix = options.prefix ?? '/auth';
  const csrf = options.csrf ?? true;

  return async (request) => {
    if (request.path !== prefix && !request.path.startsWith(`${prefix}/`)) return null;
    const subpath = request.path.slice(prefix.length);
    const key = authRouteKey(subpath);
    if (key === null) return notFound();
    const route = ROUTES[key] ?? {};

    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const handler = route[method as keyof typeof route];
    if (handler === undefined) {
      const allowed = Object.keys(route).flatMap((name) =>
        name === 'GET' ? ['GET', 'HEAD'] : [name],
      );
      return methodNotAllowed(allowed);
    }
    const refused = csrf ? await checkCsrf(context, request) : null;
    if (refused !== null) return refused;
    return handler(context, request, SESSION_ID.exec(subpath)?.[1] ?? '');
  };
}

/**
 * The route a path under the prefix names, as the route table writes it (`/login`, and
 * `/sessions/:id` for any session's), or null for none.
 */
export function authRouteKey(subpath: string): string | null {
  const key = SESSION_ID.test(subpath) ? '/sessions/:id' : subpath;
  return Object.hasOwn(ROUTES, key) ? key : null;
}
