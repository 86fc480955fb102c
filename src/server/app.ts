import { authenticateRequest } from '../http/authenticate.js';
import { createAuthRoutes } from '../http/auth-routes.js';
import { checkCsrf } from '../http/csrf-check.js';
import { publicUser } from '../http/present.js';
import { errorResponse, jsonResponse, methodNotAllowed, notFound } from '../http/respond.js';
import { unauthenticated } from '../http/routes/sessions.js';
import { demoAsset } from './demo/assets.js';

import type { AuthContext } from '../http/context.js';
import type { HttpRequest, HttpResponse, RequestHandler } from '../http/types.js';

// Sent on every response: no MIME sniffing, no framing, no referrer leaking paths elsewhere,
// and a browsing context of our own (OWASP ASVS V3.4).
const SECURITY_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

// Over HTTPS, tell the browser never to use plain HTTP here again (RFC 6797), so the Secure
// session cookie is never offered a downgrade. One year, as the HSTS preload list expects.
const HSTS: [string, string] = ['Strict-Transport-Security', 'max-age=31536000'];

/**
 * The standalone server's routes, as one handler: the demo page, the auth routes, and the
 * protected example resource `GET /api/secure-data`. Every unsafe request, to any path, is
 * checked for CSRF before anything else.
 */
export function createServerApp(
  context: AuthContext,
  options: { allowedHosts?: readonly string[] | null } = {},
): RequestHandler {
  const authRoutes = createAuthRoutes(context, { csrf: false });
  const allowedHosts = options.allowedHosts == null ? null : new Set(options.allowedHosts);

  const route = async (request: HttpRequest): Promise<HttpResponse> => {
    if (allowedHosts !== null && !hostAllowed(allowedHosts, request.header('host'))) {
      return errorResponse(
        421,
        'MISDIRECTED_REQUEST',
        'This server does not answer to that host name.',
      );
    }
    const refused = await checkCsrf(context, request);
    if (refused !== null) return refused;

    const fromAuth = await authRoutes(request);
    if (fromAuth !== null) return fromAuth;

    if (request.path === '/api/secure-data' || request.path === '/api/secure-data/') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return methodNotAllowed(['GET', 'HEAD']);
      }
      return secureData(context, request);
    }

    const asset = demoAsset(request.path);
    if (asset !== null) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return methodNotAllowed(['GET', 'HEAD']);
      }
      return asset;
    }
    return notFound();
  };

  return async (request) => {
    const response = await route(request);
    response.headers.push(...SECURITY_HEADERS);
    if (request.protocol === 'https' && !isLoopbackHost(request.header('host'))) {
      response.headers.push(HSTS);
    }
    return response;
  };
}

/** The protected example resource: 200 for a live session, 401 otherwise. */
async function secureData(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  const headers: [string, string][] =
    auth.setCookie === null ? [] : [['Set-Cookie', auth.setCookie]];
  return jsonResponse(
    200,
    {
      message: 'This is protected data.',
      user: publicUser(auth.user),
      session: { expiresAt: auth.session.expiresAt.toISOString() },
    },
    headers,
  );
}

/** Whether the `Host` header names an allowed host (its port is not compared). */
function hostAllowed(allowed: ReadonlySet<string>, host: string | undefined): boolean {
  // HTTP/1.0 clients may send no Host; a browser always does.
  if (host === undefined) return true;
  return allowed.has(hostName(host));
}

/** A Host header's name, lower-cased, without its port. */
function hostName(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, '');
}

/**
 * Whether a Host header names this machine. HSTS is not sent there: a browser that accepted a
 * development certificate would otherwise insist on HTTPS for every localhost port for a year
 * (and RFC 6797 section 8.1 has browsers ignore it for IP literals anyway).
 */
function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = hostName(host);
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(name)
  );
}
