import { challengeUseKey, issueChallenge, readChallenge } from '../../dbsc/challenge.js';
import { verifyRefreshProof, verifyRegistrationProof } from '../../dbsc/proof.js';
import { sessionsInRequest } from '../authenticate.js';
import { bindingIdentifier, boundCookieSubject } from '../dbsc.js';
import { errorResponse, jsonResponse, notFound } from '../respond.js';
import { tooManyCookies } from './sessions.js';

import type { ChallengePurpose } from '../../dbsc/challenge.js';
import type { Session, SessionBinding } from '../../session/index.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

// Header names of the DBSC draft (W3C WebAppSec, 2025) as Chromium sends and reads them.
const PROOF_HEADER = 'secure-session-response';
const SESSION_ID_HEADER = 'sec-secure-session-id';
// Paths relative to the auth routes: the browser resolves the registration path against the
// login response's URL (`/auth/login` gives `/auth/dbsc/register`), and the refresh URL
// against the registration's, so they follow whatever prefix the routes are mounted at.
const REGISTRATION_PATH = 'dbsc/register';
const REFRESH_PATH = 'refresh';
const PURPOSE_AUTHORIZATION = 'latchkey.dbsc.authorization.v1';

/**
 * The `Secure-Session-Registration` header offering DBSC for a session that just started, or
 * null when DBSC is off or the request did not come over HTTPS (browsers run DBSC on secure
 * origins only). Browsers without DBSC ignore it.
 */
export function registrationOffer(
  context: AuthContext,
  request: HttpRequest,
  session: Session,
): [string, string] | null {
  if (!context.dbsc.enabled || request.protocol !== 'https') return null;
  const challenge = newChallenge(context, session.id, 'register');
  const authorization = authorizationFor(context, session.id);
  return [
    'Secure-Session-Registration',
    `(ES256 RS256);path="${REGISTRATION_PATH}";challenge="${challenge}";authorization="${authorization}"`,
  ];
}

/**
 * `POST /auth/dbsc/register`: the browser's first proof. It carries the session cookie and a
 * JWT signed by a new key, embedding the public key, over the challenge and authorization the
 * login offered. On success the key is stored with the session, and the answer is the session
 * instructions and the first bound cookie; from then on the session token alone is refused.
 */
export async function dbscRegister(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  if (!context.dbsc.enabled) return notFound();
  const result = await verifyRegistrationProof(request.header(PROOF_HEADER));
  if (!result.ok) return refused(context, 'register', result.reason);
  const { proof } = result;
  const now = context.clock();
  const challenge = readChallenge(context.keys, proof.challenge, now);
  if (challenge === null || challenge.purpose !== 'register') {
    return refused(context, 'register', 'CHALLENGE_INVALID');
  }
  // The session is the one the request's cookie names, and it must be the one the challenge
  // was issued to: a proof lifted from another login binds nothing here.
  const sessions = await sessionsInRequest(context, request);
  if (sessions === null) return tooManyCookies();
  const session = sessions.find((candidate) => candidate.id === challenge.sessionId);
  if (session === undefined) return refused(context, 'register', 'SESSION_MISMATCH');
  if (proof.authorization !== authorizationFor(context, session.id)) {
    return refused(context, 'register', 'AUTHORIZATION_INVALID');
  }
  if (!(await context.sessions.claimOnce(challengeUseKey(proof.challenge), challenge.expiresAt))) {
    return refused(context, 'register', 'CHALLENGE_REUSED');
  }
  const binding = await context.sessions.bindSession(session.id, {
    algorithm: proof.algorithm,
    publicKey: proof.publicKey,
  });
  if (binding === null) return refused(context, 'register', 'ALREADY_BOUND');
  context.logger.log('info', 'dbsc.registered', {
    userId: session.userId,
    algorithm: proof.algorithm,
  });
  return instructions(context, request, session, binding, now);
}

/**
 * `POST /auth/dbsc/refresh`: the browser wants a fresh bound cookie. Without a proof it gets
 * a 403 and a new challenge (`Secure-Session-Challenge`); with a proof signed by the session's
 * registered key over that challenge it gets the cookie. The request must also carry the
 * session cookie of the bound session: a key alone is not a session. When the session is gone
 * (logged out, revoked, expired) the browser is told to end its DBSC session.
 */
export async function dbscRefresh(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  if (!context.dbsc.enabled) return notFound();
  const identifier = request.header(SESSION_ID_HEADER)?.trim() ?? '';
  const sessions = await sessionsInRequest(context, request);
  if (sessions === null) return tooManyCookies();
  const session = sessions.find(
    (candidate) =>
      candidate.binding !== null && bindingIdentifier(candidate.binding) === identifier,
  );
  if (session?.binding == null) {
    context.logger.log('info', 'dbsc.ended', { reason: 'NO_SESSION' });
    // `continue: false` ends the browser's DBSC session: it stops deferring requests for a
    // cookie that will never come. The session cookie is gone or belongs to another session;
    // the bound cookie is cleared too, unless it may be that other bound session's.
    const clear: [string, string][] = sessions.some((other) => other.binding !== null)
      ? []
      : [['Set-Cookie', context.dbsc.boundCookie.clear()]];
    return jsonResponse(200, { session_identifier: identifier, continue: false }, clear);
  }
  const now = context.clock();
  const jwt = request.header(PROOF_HEADER);
  if (jwt === undefined) return challengeFor(context, session, identifier, null);
  const result = await verifyRefreshProof(jwt, session.binding);
  if (!result.ok) return refused(context, 'refresh', result.reason);
  // Signed by the session's key, but over a challenge that is stale (expired, used, or not
  // this session's): the browser may have kept an old one. A new challenge costs nothing, since
  // only the key can sign it; refusing outright would end the browser's DBSC session.
  const challenge = readChallenge(context.keys, result.proof.challenge, now);
  if (challenge?.purpose !== 'refresh' || challenge.sessionId !== session.id) {
    return challengeFor(context, session, identifier, 'CHALLENGE_INVALID');
  }
  const key = challengeUseKey(result.proof.challenge);
  if (!(await context.sessions.claimOnce(key, challenge.expiresAt))) {
    return challengeFor(context, session, identifier, 'CHALLENGE_REUSED');
  }
  context.logger.log('info', 'dbsc.refreshed', { userId: session.userId });
  return instructions(context, request, session, session.binding, now);
}

/**
 * 403 with a new challenge for the browser to sign (`Secure-Session-Challenge`, which must
 * name the session or the browser ends it). `stale` says why an earlier proof did not count.
 */
function challengeFor(
  context: AuthContext,
  session: Session,
  identifier: string,
  stale: string | null,
): HttpResponse {
  if (stale !== null) context.logger.log('info', 'dbsc.challenge_stale', { reason: stale });
  const challenge = newChallenge(context, session.id, 'refresh');
  return errorResponse(403, 'DBSC_PROOF_REQUIRED', 'Sign the new challenge with the session key.', {
    headers: [['Secure-Session-Challenge', `"${challenge}";id="${identifier}"`]],
  });
}

/** The session instructions (the draft's JSON) and a fresh bound cookie. */
function instructions(
  context: AuthContext,
  request: HttpRequest,
  session: Session,
  binding: SessionBinding,
  now: number,
): HttpResponse {
  const { boundCookie } = context.dbsc;
  const origin = context.origin ?? `${request.protocol}://${request.header('host') ?? ''}`;
  const attributes = [
    `Path=${boundCookie.attributes.path}`,
    'Secure',
    'HttpOnly',
    `SameSite=${boundCookie.attributes.sameSite}`,
  ].join('; ');
  return jsonResponse(
    200,
    {
      session_identifier: bindingIdentifier(binding),
      refresh_url: REFRESH_PATH,
      scope: { origin, include_site: false, scope_specification: [] },
      credentials: [{ type: 'cookie', name: boundCookie.name, attributes }],
    },
    [['Set-Cookie', boundCookie.issue(boundCookieSubject(session, binding), now)]],
  );
}

function newChallenge(context: AuthContext, sessionId: string, purpose: ChallengePurpose): string {
  return issueChallenge(
    context.keys,
    sessionId,
    purpose,
    context.clock() + context.dbsc.challengeSeconds * 1000,
  );
}

/** A value bound to the session, which the registration proof must repeat. */
function authorizationFor(context: AuthContext, sessionId: string): string {
  return context.keys.sign(`${PURPOSE_AUTHORIZATION}.${sessionId}`);
}

function refused(context: AuthContext, step: 'register' | 'refresh', reason: string): HttpResponse {
  context.logger.log('warn', 'dbsc.refused', { step, reason });
  return errorResponse(403, 'DBSC_PROOF_REFUSED', `The ${step} proof was refused (${reason}).`);
}
