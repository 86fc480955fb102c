import { boundCookieSubject } from './dbsc.js';

import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { AuthContext } from './context.js';
import type { HttpRequest } from './types.js';

/** Who sent a request. */
export type RequestAuth =
  | {
      authenticated: true;
      session: Session;
      user: User;
      /** A renewed session cookie to send back (sliding renewal), or null when none is due. */
      setCookie: string | null;
    }
  | { authenticated: false };

/** How long after registration a bound session passes without its bound cookie. Unit: ms. */
export const BINDING_GRACE_MS = 10_000;
// More session cookies than this in one request is not a browser's doing; none is trusted.
const MAX_COOKIE_CANDIDATES = 4;
// Logout and login end every live session a request names, up to this many values; a request
// with more gets an error rather than a half-done logout.
const MAX_ENDED_PER_REQUEST = 16;

/**
 * Finds the live session and user behind a request's session cookie.
 *
 * When the same cookie name arrives more than once (a sibling subdomain can plant a second
 * one: "cookie tossing"), nothing is trusted unless exactly one of the values is a live
 * session. A store failure throws `StoreUnavailableError`: it is never read as "anonymous".
 */
export async function authenticateRequest(
  context: Pick<AuthContext, 'sessions' | 'accounts' | 'cookie' | 'logger' | 'dbsc' | 'clock'>,
  request: HttpRequest,
): Promise<RequestAuth> {
  const values = context.cookie.read(request.header('cookie'));
  if (values.length === 0 || values.length > MAX_COOKIE_CANDIDATES) {
    if (values.length > 0)
      context.logger.log('warn', 'session.ambiguous', { count: values.length });
    return { authenticated: false };
  }

  const live = [];
  for (const value of values.length === 1 ? values : new Set(values)) {
    // Not renewed yet: a request that fails the checks below must not keep the session alive.
    const result = await context.sessions.validateSession(value, { renew: false });
    if (result !== null) live.push({ token: value, session: result.session });
  }
  const found = live[0];
  if (found === undefined || live.length > 1) {
    if (live.length > 1) context.logger.log('warn', 'session.ambiguous', { count: live.length });
    return { authenticated: false };
  }
  if (values.length > 1) {
    // Accepted, since exactly one value is a live session, but never silently.
    context.logger.log('warn', 'session.duplicate_cookie', { count: values.length });
  }
  const { binding } = found.session;
  const now = context.clock();
  if (
    binding !== null &&
    // The browser stores the first bound cookie a moment after registration, and does not
    // hold requests meanwhile: they pass for a few seconds.
    now - binding.boundAt.getTime() > BINDING_GRACE_MS &&
    !context.dbsc.boundCookie.isValid(
      request.header('cookie'),
      boundCookieSubject(found.session, binding),
      now,
    )
  ) {
    // A bound session's token alone is not enough: without a fresh bound cookie, which only
    // the browser holding the key can get, this may be a copied cookie.
    context.logger.log('warn', 'session.bound_cookie_missing', { userId: found.session.userId });
    return { authenticated: false };
  }

  const user = await context.accounts.getUser(found.session.userId);
  if (user === null || user.disabledAt !== null) {
    // The account is gone or disabled; its sessions must not outlive that.
    await context.sessions.invalidateUserSessions(found.session.userId);
    return { authenticated: false };
  }

  const renewal = await context.sessions.renewSession(found.session);
  const setCookie = renewal.renewed
    ? context.cookie.serialize(found.token, context.sessions.cookieMaxAgeSeconds(renewal.session))
    : null;
  return { authenticated: true, session: renewal.session, user, setCookie };
}

/**
 * Every live session a request's cookies name, for logout and login to end them all. Returns
 * null when the request carries more session cookie values than any browser would send, so
 * that the caller refuses it instead of ending only some.
 */
export async function sessionsInRequest(
  context: Pick<AuthContext, 'sessions' | 'cookie'>,
  request: HttpRequest,
): Promise<Session[] | null> {
  const values = context.cookie.read(request.header('cookie'));
  if (values.length > MAX_ENDED_PER_REQUEST) return null;
  const found: Session[] = [];
  for (const value of new Set(values)) {
    const result = await context.sessions.validateSession(value, { renew: false });
    if (result !== null) found.push(result.session);
  }
  return found;
}
