import { SAFE_METHODS, decideCsrf, verifyCsrfToken } from '../csrf/index.js';
import { sessionsInRequest } from './authenticate.js';
import { errorResponse } from './respond.js';

import type { AuthContext } from './context.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** Name of the header that carries the CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';
/** Name of the form field that carries the CSRF token. */
export const CSRF_FIELD = 'csrf_token';

const MESSAGES = {
  CSRF_CROSS_SITE: 'Cross-site requests may not change anything here.',
  CSRF_ORIGIN_MISMATCH: 'Requests from this origin may not change anything here.',
  CSRF_TOKEN_MISSING: 'Send the CSRF token from GET /auth/session in the X-CSRF-Token header.',
  CSRF_TOKEN_INVALID:
    'The CSRF token does not belong to this session (a login or a change renews both): ' +
    'get the current one from GET /auth/session.',
} as const;

/**
 * Checks an unsafe request (any method but GET, HEAD, OPTIONS, TRACE), whatever its path and
 * content type, for cross-site request forgery. Returns the 403 to send, or null to go on.
 */
export async function checkCsrf(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse | null> {
  if (SAFE_METHODS.has(request.method)) return null;
  // An empty header says nothing: treat it as absent, or it would skip the token check.
  const secFetchSite = request.header('sec-fetch-site')?.trim() || undefined;
  const origin = request.header('origin')?.trim() || undefined;

  // Only a request with neither header needs the session and a token: look them up only then.
  // Every live session its cookies name counts: two tossed cookies must not add up to none.
  let hasLiveSession = false;
  let sessionId: string | null = null;
  let token: string | undefined;
  if (
    secFetchSite === undefined &&
    origin === undefined &&
    context.cookie.read(request.header('cookie')).length > 0
  ) {
    const live = await sessionsInRequest(context, request);
    hasLiveSession = live === null || live.length > 0;
    // The token must belong to the one session the request names; with several, to none.
    sessionId = live?.length === 1 ? (live[0]?.id ?? null) : null;
    token = request.header(CSRF_HEADER) ?? (await formToken(request));
  }

  const verdict = decideCsrf({
    method: request.method,
    secFetchSite,
    origin,
    ownOrigin: context.origin ?? ownOrigin(request),
    trustedOrigins: context.trustedOrigins,
    // A cookie naming no live session carries no authority to abuse.
    hasSessionCookie: hasLiveSession,
    token,
    verifyToken: (candidate) =>
      sessionId !== null && verifyCsrfToken(context.keys, sessionId, candidate),
  });
  if (verdict.allowed) return null;
  context.logger.log('warn', 'csrf.rejected', { code: verdict.code, method: request.method });
  return errorResponse(403, verdict.code, MESSAGES[verdict.code]);
}

function ownOrigin(request: HttpRequest): string {
  const host = request.header('host');
  return host === undefined ? '' : `${request.protocol}://${host.toLowerCase()}`;
}

async function formToken(request: HttpRequest): Promise<string | undefined> {
  const type = request.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const bytes = await request.readBody(16_384);
  if (bytes === null) return undefined;
  return new URLSearchParams(new TextDecoder().decode(bytes)).get(CSRF_FIELD) ?? undefined;
}
