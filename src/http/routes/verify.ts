import { SAFE_METHODS } from '../../csrf/index.js';
import { authenticateRequest } from '../authenticate.js';
import { checkCsrf } from '../csrf-check.js';
import { errorResponse, jsonResponse } from '../respond.js';
import { unauthenticated } from './sessions.js';

import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/** The header in which the proxy names the guarded request's method. */
export const FORWARDED_METHOD_HEADER = 'x-forwarded-method';
/** The response header naming the user's id, for the proxy to pass to the guarded app. */
export const VERIFIED_USER_ID_HEADER = 'X-Latchkey-User-Id';
/** The response header naming the user's email, percent-encoded outside printable ASCII. */
export const VERIFIED_USER_EMAIL_HEADER = 'X-Latchkey-User-Email';

// RFC 9110 section 9.1: a method is a token. Methods are case-sensitive: `post` is not POST,
// and is not taken for a safe method either.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/**
 * `GET /auth/verify`: forward authentication for a reverse proxy (nginx `auth_request`)
 * guarding another application on the same host name. The proxy sends the guarded request's
 * headers (its cookies, `Origin`, `Sec-Fetch-Site`) and its method in `X-Forwarded-Method`.
 *
 * - 400 `FORWARDED_METHOD_REQUIRED` without a method: a proxy that does not say it would have
 *   every guarded request taken for a safe one, its forgeries unchecked.
 * - 403 with a CSRF code when the guarded request is unsafe, or a WebSocket handshake, and
 *   cross-site (or from an origin that is not this one and not trusted), as for Latchkey's own
 *   routes. A form's token cannot be read here (the proxy sends no body); the `X-CSRF-Token`
 *   header can.
 * - 401 `UNAUTHENTICATED` without a live session; 503 when the store fails (never a yes).
 * - 200 with the user's id and email in `X-Latchkey-User-Id` and `X-Latchkey-User-Email`, and
 *   the renewed session cookie in `Set-Cookie` when it is due (the proxy must copy it to its
 *   answer, or the session ends at its idle timeout however active it is).
 */
export async function verifyForProxy(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const method = request.header(FORWARDED_METHOD_HEADER)?.trim();
  if (method === undefined || !METHOD.test(method)) {
    return errorResponse(
      400,
      'FORWARDED_METHOD_REQUIRED',
      'Send the guarded request\'s method in X-Forwarded-Method (nginx: "proxy_set_header ' +
        'X-Forwarded-Method $request_method;").',
    );
  }
  // A WebSocket handshake is a GET, but what follows is a two-way channel acting as the user:
  // it must come from this site's own origin (or a trusted one), as an unsafe request must.
  const handshake = isWebSocketHandshake(request);
  if (handshake || !SAFE_METHODS.has(method)) {
    const refused = await checkCsrf(context, withMethod(request, handshake ? 'WEBSOCKET' : method));
    if (refused !== null) return refused;
  }

  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();

  const headers: [string, string][] = [
    [VERIFIED_USER_ID_HEADER, auth.user.id],
    [VERIFIED_USER_EMAIL_HEADER, headerSafeEmail(auth.user.email)],
  ];
  // One Set-Cookie line at most: Caddy's {rp.header.Set-Cookie} (the README's Caddyfile) joins
  // several into one with commas, which no browser reads as two cookies.
  if (auth.setCookie !== null) headers.push(['Set-Cookie', auth.setCookie]);
  return jsonResponse(200, { user: { id: auth.user.id, email: auth.user.email } }, headers);
}

/**
 * An email as a header value: printable ASCII as it is but `%`, everything else as the
 * percent-encoded bytes of its UTF-8 (RFC 3986 section 2.1), so that `decodeURIComponent` gives
 * the address back. A header holds bytes, and an internationalized address has characters that
 * node:http would refuse to write.
 */
export function headerSafeEmail(email: string): string {
  let text = '';
  for (const character of email) {
    const code = character.charCodeAt(0);
    if (character.length === 1 && code > 0x20 && code < 0x7f && code !== 0x25) {
      text += character;
      continue;
    }
    // A lone surrogate (no address accepted has one) comes out as U+FFFD's bytes, not a throw.
    for (const byte of Buffer.from(character, 'utf8')) {
      text += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return text;
}

// The proxy forwards the handshake's end-to-end headers (not Upgrade, a hop-by-hop one): a
// browser sends Sec-WebSocket-Key always, and Sec-Fetch-Mode: websocket where it has Fetch
// Metadata.
function isWebSocketHandshake(request: HttpRequest): boolean {
  return (
    request.header('sec-websocket-key') !== undefined ||
    request.header('sec-fetch-mode')?.trim().toLowerCase() === 'websocket'
  );
}

function withMethod(request: HttpRequest, method: string): HttpRequest {
  return {
    method,
    path: request.path,
    header: (name) => request.header(name),
    get clientAddress() {
      return request.clientAddress;
    },
    get protocol() {
      return request.protocol;
    },
    readBody: (limitBytes) => request.readBody(limitBytes),
  };
}
