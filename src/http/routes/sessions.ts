import { issueCsrfToken } from '../../csrf/index.js';
import { authenticateRequest, sessionsInRequest } from '../authenticate.js';
import { publicSession, publicUser } from '../present.js';
import { errorResponse, jsonResponse } from '../respond.js';

import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/** 401 for a request without a live session. */
export function unauthenticated(): HttpResponse {
  return errorResponse(401, 'UNAUTHENTICATED', 'Log in first: there is no live session.');
}

/** `GET /auth/session`: the user, the session's expiry and a CSRF token, or 401. */
export async function currentSession(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  return jsonResponse(
    200,
    {
      user: publicUser(auth.user),
      session: publicSession(auth.session),
      csrfToken: issueCsrfToken(context.keys, auth.session.id),
    },
    renewal(auth.setCookie),
  );
}

/** `POST /auth/logout`: ends the session on the server and clears the cookie. */
export async function logout(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const sessions = await sessionsInRequest(context, request);
  if (sessions === null) return tooManyCookies();
  for (const session of sessions) {
    await context.sessions.invalidateSession(session.id);
  }
  const headers: [string, string][] = [['Set-Cookie', context.cookie.clear()]];
  if (sessions.some((session) => session.binding !== null)) {
    headers.push(['Set-Cookie', context.dbsc.boundCookie.clear()]);
  }
  // Clear-Site-Data wipes every cookie of the site, other applications' included: only when a
  // session really ended, so that a forged or stray logout cannot wipe them.
  if (context.clearSiteDataOnLogout && sessions.length > 0) {
    headers.push(['Clear-Site-Data', '"cookies"']);
  }
  return jsonResponse(200, { message: 'Logged out.', endedSessions: sessions.length }, headers);
}

/** 400 for a request carrying more session cookies than any browser sends. */
export function tooManyCookies(): HttpResponse {
  return errorResponse(
    400,
    'TOO_MANY_SESSION_COOKIES',
    'The request carries more session cookies than a browser sends; nothing was changed.',
  );
}

/** `GET /auth/sessions`: the user's live sessions, newest first, the current one marked. */
export async function listSessions(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  const sessions = await context.sessions.listUserSessions(auth.user.id);
  return jsonResponse(
    200,
    {
      sessions: sessions.map((session) => ({
        ...publicSession(session),
        current: session.id === auth.session.id,
      })),
    },
    renewal(auth.setCookie),
  );
}

/** `DELETE /auth/sessions/:id`: ends one of the user's own sessions. */
export async function revokeSession(
  context: AuthContext,
  request: HttpRequest,
  sessionId: string,
): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  const own = await context.sessions.listUserSessions(auth.user.id);
  // Another user's session, or none at all, look the same: no way to probe for ids.
  if (!own.some((session) => session.id === sessionId)) {
    return errorResponse(404, 'NOT_FOUND', 'You have no session with this id.');
  }
  await context.sessions.invalidateSession(sessionId);
  const isCurrent = sessionId === auth.session.id;
  const headers: [string, string][] = isCurrent ? [['Set-Cookie', context.cookie.clear()]] : [];
  return jsonResponse(200, { message: 'Session ended.', current: isCurrent }, headers);
}

/** `POST /auth/logout-others`: ends every session of the user except this one. */
export async function logoutOthers(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  const ended = await context.sessions.invalidateOtherSessions(auth.user.id, auth.session.id);
  return jsonResponse(
    200,
    { message: 'Other sessions ended.', endedSessions: ended },
    renewal(auth.setCookie),
  );
}

function renewal(setCookie: string | null): [string, string][] {
  return setCookie === null ? [] : [['Set-Cookie', setCookie]];
}
