import { issueCsrfToken } from '../../csrf/index.js';
import { sessionsInRequest } from '../authenticate.js';
import { publicSession, publicUser } from '../present.js';
import { jsonResponse } from '../respond.js';
import { tooManyCookies } from './sessions.js';

import type { User } from '../../accounts/types.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/**
 * Starts a new session for a user who just proved who they are, and answers with the user, the
 * session and its CSRF token. Any session the request already carried is ended: a login never
 * inherits a session (no session fixation).
 */
export async function startSession(
  context: AuthContext,
  request: HttpRequest,
  user: User,
  reply: { status: number; message: string; extraCookies?: string[] },
): Promise<HttpResponse> {
  const previous = await sessionsInRequest(context, request);
  if (previous === null) return tooManyCookies();
  // The new session first: if the store fails here, the old one is still intact.
  const { token, session } = await context.sessions.createSession(user.id, {
    userAgent: request.header('user-agent') ?? null,
  });
  for (const old of previous) await context.sessions.invalidateSession(old.id);
  const cookie = context.cookie.serialize(token, context.sessions.cookieMaxAgeSeconds(session));
  const headers: [string, string][] = [['Set-Cookie', cookie]];
  for (const extra of reply.extraCookies ?? []) headers.push(['Set-Cookie', extra]);
  return jsonResponse(
    reply.status,
    {
      message: reply.message,
      user: publicUser(user),
      session: publicSession(session),
      csrfToken: issueCsrfToken(context.keys, session.id),
    },
    headers,
  );
}
