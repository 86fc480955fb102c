import { SAFE_METHODS } from '../csrf/index.js';
import { authenticateRequest } from '../http/authenticate.js';
import { createAuthRoutes } from '../http/auth-routes.js';
import { checkCsrf } from '../http/csrf-check.js';
import { responseForError } from '../http/guard.js';
import { isoTime, publicUser } from '../http/present.js';
import { errorResponse, jsonResponse, methodNotAllowed, notFound } from '../http/respond.js';
import { unauthenticated } from '../http/routes/sessions.js';
import { demoAsset } from './demo/assets.js';
import { HSTS, SECURITY_HEADERS } from './security-headers.js';

import type { AuthContext } from '../http/context.js';
import type { HttpRequest, HttpResponse, RequestHandler } from '../http/types.js';
import type { ServerMetrics } from './metrics.js';

/**
 * The standalone server's routes, as one handler: the demo page, the auth routes, the
 * protected example resource `GET /api/secure-data`, and `GET /healthz` for load balancers (200
 * when the store answers; 503 `STORE_UNAVAILABLE` when it does not). Every other unsafe
 * request, to any path, is checked for CSRF before anything else.
 */
export function createServerApp(
  context: AuthContext,
  options: {
    allowedHosts?: readonly string[] | null;
    /**
     * Reads from the store for `GET /healthz`, throwing `StoreUnavailableError` when it cannot.
     * Without it, the server has no `/healthz`.
     */
    checkStore?: () => Promise<unknown>;
    /** Counters for `GET /metrics`. Without them, the server has no `/metrics`. */
    metrics?: ServerMetrics;
  } = {},
): RequestHandler {
  const authRoutes = createAuthRoutes(context, { csrf: false });
  const allowedHosts = options.allowedHosts == null ? null : new Set(options.allowedHosts);
  const hostAllowed = allowedHosts === null ? null : createHostCheck(allowedHosts);
  const { checkStore, metrics } = options;

  const route = async (request: HttpRequest): Promise<HttpResponse> => {
    // Before the Host check: a load balancer's probe names the server by its address, and what
    // this answers (whether the store is up) tells a DNS-rebinding page nothing.
    if (request.path === '/healthz' && checkStore !== undefined) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return methodNotAllowed(['GET', 'HEAD']);
      }
      await checkStore();
      return jsonResponse(200, { status: 'ok' });
    }
    // Before the Host check too: Prometheus names its targets by address, and the answer is
    // given only for the scrape token.
    if (request.path === '/metrics' && metrics !== undefined) {
      return metricsResponse(request, metrics);
    }
    if (hostAllowed !== null && !hostAllowed(request.header('host'))) {
      return errorResponse(
        421,
        'MISDIRECTED_REQUEST',
        'This server does not answer to that host name.',
      );
    }
    if (!SAFE_METHODS.has(request.method)) {
      const refused = await checkCsrf(context, request);
      if (refused !== null) return refused;
    }

    // The protected resource first: it is the busiest path, and outside the auth routes' prefix.
    if (request.path === '/api/secure-data' || request.path === '/api/secure-data/') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return methodNotAllowed(['GET', 'HEAD']);
      }
      return secureData(context, request);
    }

    const fromAuth = await authRoutes(request);
    if (fromAuth !== null) return fromAuth;

    const asset = demoAsset(request.path, { registration: context.registration });
    if (asset !== null) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return methodNotAllowed(['GET', 'HEAD']);
      }
      return asset;
    }
    return notFound();
  };

  return async (request) => {
    let response: HttpResponse;
    try {
      response = await route(request);
    } catch (error) {
      // Answered here, inside, so that a 503 or 500 carries the headers every answer does.
      response = responseForError(error, context.logger);
    }
    return withSecurityHeaders(response, request);
  };
}

/** Adds the headers every answer of the server carries (and HSTS over HTTPS), and returns it. */
export function withSecurityHeaders(response: HttpResponse, request: HttpRequest): HttpResponse {
  response.headers.push(...SECURITY_HEADERS);
  if (request.protocol === 'https' && !isLoopbackHost(request.header('host'))) {
    response.headers.push(HSTS);
  }
  return response;
}

/** `GET /metrics`: the counters, for a request that carries the scrape token; 401 otherwise. */
function metricsResponse(request: HttpRequest, metrics: ServerMetrics): HttpResponse {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return methodNotAllowed(['GET', 'HEAD']);
  }
  if (!metrics.authorized(request.header('authorization'))) {
    return errorResponse(401, 'UNAUTHENTICATED', 'Send the metrics token as a Bearer token.', {
      headers: [['WWW-Authenticate', 'Bearer realm="metrics"']],
    });
  }
  return {
    status: 200,
    headers: [
      ['Content-Type', 'text/plain; version=0.0.4; charset=utf-8'],
      ['Cache-Control', 'no-store'],
    ],
    body: metrics.render(),
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
      session: { expiresAt: isoTime(auth.session.expiresAt) },
    },
    headers,
  );
}

// Allowed Host headers remembered. Only allowed ones are: a client sending junk cannot fill it.
const HOST_CHECK_CACHE_SIZE = 64;

/**
 * Whether a `Host` header names an allowed host (its port is not compared). The first few
 * allowed headers are remembered as they were sent: a server hears the same one or two on every
 * request.
 */
function createHostCheck(allowed: ReadonlySet<string>): (host: string | undefined) => boolean {
  const known = new Set<string>();
  return (host) => {
    // HTTP/1.0 clients may send no Host; a browser always does.
    if (host === undefined) return true;
    if (known.has(host)) return true;
    const answer = allowed.has(hostName(host));
    if (answer && known.size < HOST_CHECK_CACHE_SIZE) known.add(host);
    return answer;
  };
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
