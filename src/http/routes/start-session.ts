import { issueCsrfToken } from '../../csrf/index.js';
import { AccountError } from '../../errors.js';
import { sessionsInRequest } from '../authenticate.js';
import { publicSession, publicUser } from '../present.js';
import { errorResponse, jsonResponse } from '../respond.js';
import { registrationOffer } from './dbsc.js';
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
  reply: {
    status: number;
    message: string;
    extraCookies?: string[];
    /**
     * The credential stamp the user just proved; when the password changed meanwhile (a
     * change racing this login), the new session is ended at once and the login refused.
     */
    credentialStamp?: string;
  },
): Promise<HttpResponse> {
  const previous = await sessionsInRequest(context, request);
  if (previous === null) return tooManyCookies();
  // The new session first: if the store fails here, the old one is still intact.
  let created;
  try {
    created = await context.sessions.createSession(user.id, {
      userAgent: request.header('user-agent') ?? null,
    });
  } catch (error) {
    // The account was deleted since its password was checked: as if there had been none.
    if (error instanceof AccountError && error.code === 'USER_NOT_FOUND') {
      return errorResponse(401, 'INVALID_CREDENTIALS', 'The email or password is incorrect.');
    }
    throw error;
  }
  const { token, session } = created;
  // A password change that ran while this login was checking the old password has already
  // ended "every other session"; this one must not outlive it either.
  if (
    reply.credentialStamp !== undefined &&
    (await context.accounts.credentialStampOf(user.id)) !== reply.credentialStamp
  ) {
    await context.sessions.invalidateSession(session.id);
    return errorResponse(401, 'INVALID_CREDENTIALS', 'The email or password is incorrect.');
  }
  for (const old of previous) await context.sessions.invalidateSession(old.id);
  const cookie = context.cookie.serialize(token, context.sessions.cookieMaxAgeSeconds(session));
  const headers: [string, string][] = [['Set-Cookie', cookie]];
  for (const extra of reply.extraCookies ?? []) headers.push(['Set-Cookie', extra]);
  // A bound cookie of an earlier session would be useless: this session is not bound yet.
  if (previous.some((old) => old.binding !== null)) {
    headers.push(['Set-Cookie', context.dbsc.boundCookie.clear()]);
  }
  const offer = registrationOffer(context, request, session);
  if (offer !== null) headers.push(offer);
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
