import type { CsrfRejectionCode } from '../csrf/index.js';
import type { HttpResponse } from './types.js';

/**
 * Stable error codes of the HTTP API. Clients branch on these; messages may change.
 */
export type HttpErrorCode =
  | CsrfRejectionCode
  | 'ACCOUNT_DELETION_DISABLED'
  | 'BODY_TOO_LARGE'
  | 'DBSC_PROOF_REFUSED'
  | 'DBSC_PROOF_REQUIRED'
  | 'EMAIL_INVALID'
  | 'CHANGED_MEANWHILE'
  | 'EMAIL_CHANGE_DISABLED'
  | 'EMAIL_TAKEN'
  | 'EMAIL_UNCHANGED'
  | 'FORWARDED_METHOD_REQUIRED'
  | 'HOST_INVALID'
  | 'INTERNAL_ERROR'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_JSON'
  | 'METHOD_NOT_ALLOWED'
  | 'MISDIRECTED_REQUEST'
  | 'NOT_FOUND'
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_TOO_COMMON'
  | 'PASSWORD_UNCHANGED'
  | 'REAUTHENTICATION_REQUIRED'
  | 'REGISTRATION_DISABLED'
  | 'RESET_TOKEN_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'TOO_MANY_ATTEMPTS'
  | 'TOO_MANY_SESSION_COOKIES'
  | 'INVALID_ENCODING'
  | 'UNAUTHENTICATED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'VALIDATION_FAILED';

/**
 * Whether a header frames the body (`Content-Length`, `Transfer-Encoding`), in any case. The
 * adapters frame a response's body themselves, from its length, and send no such header of the
 * response's own: two framings of one answer would let a proxy and a client read the connection's
 * bytes apart.
 */
export function framesBody(name: string): boolean {
  return (
    (name.length === 14 && sameHeaderName(name, 'content-length')) ||
    (name.length === 17 && sameHeaderName(name, 'transfer-encoding'))
  );
}

/**
 * Whether two header names are the same in any case (ASCII letters only, as header names are
 * tokens). Makes no strings: it runs on every answer, for names that mostly differ early.
 */
export function sameHeaderName(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) {
      const lower = x | 0x20;
      if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
    }
  }
  return true;
}

// Anything that answers about a session must not be kept by a browser or a shared cache
// (OWASP ASVS V14.3 / RFC 9111 section 5.2.2.5).
const NO_STORE: [string, string] = ['Cache-Control', 'no-store'];

/** A JSON response with `Cache-Control: no-store`. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: [string, string][] = [],
): HttpResponse {
  return {
    status,
    headers: [['Content-Type', 'application/json; charset=utf-8'], NO_STORE, ...headers],
    body: JSON.stringify(body),
  };
}

/** The JSON error every 4xx and 5xx carries: `{"error": {"code", "message"}}`. */
export function errorResponse(
  status: number,
  code: HttpErrorCode,
  message: string,
  extra: { headers?: [string, string][]; field?: string } = {},
): HttpResponse {
  const error =
    extra.field === undefined ? { code, message } : { code, message, field: extra.field };
  return jsonResponse(status, { error }, extra.headers);
}

/** 405 with the `Allow` header RFC 9110 section 15.5.6 requires. */
export function methodNotAllowed(allowed: readonly string[]): HttpResponse {
  return errorResponse(405, 'METHOD_NOT_ALLOWED', `Use ${allowed.join(' or ')} here.`, {
    headers: [['Allow', allowed.join(', ')]],
  });
}

/** 404 for a path the server does not have. */
export function notFound(): HttpResponse {
  return errorResponse(404, 'NOT_FOUND', 'There is nothing at this path.');
}

/** 503 for a store that cannot be reached: never a login, never a silent logout. */
export function storeUnavailable(): HttpResponse {
  return errorResponse(
    503,
    'STORE_UNAVAILABLE',
    'The session store is unavailable; try again shortly.',
    { headers: [['Retry-After', '5']] },
  );
}
