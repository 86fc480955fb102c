import type { Accounts } from '../accounts/index.js';
import type { User } from '../accounts/types.js';
import type { Logger } from '../log.js';
import type { Session, SessionManager } from '../session/index.js';
import type { SessionCookie } from './session-cookie.js';
import type { HttpRequest } from './types.js';

/** What the HTTP layer needs to tell who is asking. */
export interface AuthContext {
  sessions: SessionManager;
  accounts: Accounts;
  cookie: SessionCookie;
  logger: Logger;
}

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

// More session cookies than this in one request is not a browser's doing; none is trusted.
const MAX_COOKIE_CANDIDATES = 4;

/**
 * Finds the live session and user behind a request's session cookie.
 *
 * When the same cookie name arrives more than once (a sibling subdomain can plant a second
 * one: "cookie tossing"), nothing is trusted unless exactly one of the values is a live
 * session. A store failure throws `StoreUnavailableError`: it is never read as "anonymous".
 */
export async function authenticateRequest(
  context: AuthContext,
  request: HttpRequest,
): Promise<RequestAuth> {
  const values = context.cookie.read(request.header('cookie'));
  if (values.length === 0 || values.length > MAX_COOKIE_CANDIDATES) {
    if (values.length > 0)
      context.logger.log('warn', 'session.ambiguous', { count: values.length });
    return { authenticated: false };
  }

  const live = [];
  for (const value of new Set(values)) {
    const result = await context.sessions.validateSession(value);
    if (result !== null) live.push({ token: value, ...result });
  }
  const found = live[0];
  if (found === undefined || live.length > 1) {
    if (live.length > 1) context.logger.log('warn', 'session.ambiguous', { count: live.length });
    return { authenticated: false };
  }

  const user = await context.accounts.getUser(found.session.userId);
  if (user === null) {
    // The account is gone; its sessions must not outlive it.
    await context.sessions.invalidateUserSessions(found.session.userId);
    return { authenticated: false };
  }

  const setCookie = found.renewed
    ? context.cookie.serialize(found.token, context.sessions.cookieMaxAgeSeconds(found.session))
    : null;
  return { authenticated: true, session: found.session, user, setCookie };
}

/** Every live session a request's cookies name, for logout and login to end them. */
export async function sessionsInRequest(
  context: AuthContext,
  request: HttpRequest,
): Promise<Session[]> {
  const values = context.cookie.read(request.header('cookie')).slice(0, MAX_COOKIE_CANDIDATES);
  const found: Session[] = [];
  for (const value of new Set(values)) {
    const result = await context.sessions.validateSession(value);
    if (result !== null) found.push(result.session);
  }
  return found;
}
