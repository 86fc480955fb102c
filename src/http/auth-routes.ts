import { AccountError } from '../errors.js';
import { authenticateRequest, sessionsInRequest } from './authenticate.js';
import { readFields, stringField } from './body.js';
import { errorResponse, jsonResponse, methodNotAllowed, notFound } from './respond.js';

import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { AuthContext } from './authenticate.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** Options for {@link createAuthRoutes}. */
export interface AuthRoutesOptions {
  /** Path prefix of the routes. Default: `/auth`. */
  prefix?: string;
  /** Whether `POST {prefix}/register` creates accounts. Default: true. */
  registration?: boolean;
  /**
   * Send `Clear-Site-Data: "cookies"` on logout, so the browser drops every cookie of the site.
   * Note that browsers apply it to the whole registrable domain. Default: true.
   */
  clearSiteDataOnLogout?: boolean;
}

// Field limits: RFC 5321 caps a forward path at 256 octets; passwords beyond the policy's
// maximum cannot match a stored hash, and bounding them keeps hashing cost bounded.
const EMAIL_MAX_LENGTH = 320;
const PASSWORD_MAX_LENGTH = 1024;

/**
 * The auth routes, behaving the same behind the standalone server and every adapter:
 *
 * - `POST /auth/register` `{email, password}`: 201, the new user logged in.
 * - `POST /auth/login` `{email, password}`: 200 `{"message": "Login successful!", "user"}`.
 * - `POST /auth/logout`: ends the session on the server and clears the cookie.
 * - `GET /auth/session`: the user and the session's expiry, or 401.
 *
 * Returns null for a path outside the prefix, so that callers can try other routes.
 */
export function createAuthRoutes(
  context: AuthContext,
  options: AuthRoutesOptions = {},
): (request: HttpRequest) => Promise<HttpResponse | null> {
  const prefix = options.prefix ?? '/auth';
  const registration = options.registration ?? true;
  const clearSiteData = options.clearSiteDataOnLogout ?? true;

  const routes: Record<
    string,
    { method: string; handle: (r: HttpRequest) => Promise<HttpResponse> }
  > = {
    '/register': { method: 'POST', handle: (r) => register(context, r, registration) },
    '/login': { method: 'POST', handle: (r) => login(context, r) },
    '/logout': { method: 'POST', handle: (r) => logout(context, r, clearSiteData) },
    '/session': { method: 'GET', handle: (r) => currentSession(context, r) },
  };

  return async (request) => {
    if (request.path !== prefix && !request.path.startsWith(`${prefix}/`)) return null;
    const subpath = request.path.slice(prefix.length);
    const route = Object.hasOwn(routes, subpath) ? routes[subpath] : undefined;
    if (route === undefined) return notFound();
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (method !== route.method)
      return methodNotAllowed(route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]);
    return route.handle(request);
  };
}

async function register(
  context: AuthContext,
  request: HttpRequest,
  enabled: boolean,
): Promise<HttpResponse> {
  if (!enabled) {
    return errorResponse(
      403,
      'REGISTRATION_DISABLED',
      'Registration is turned off on this server.',
    );
  }
  const input = await readCredentials(request);
  if (!input.ok) return input.response;

  let user: User;
  try {
    user = await context.accounts.register(input.credentials);
  } catch (error) {
    if (error instanceof AccountError) return accountErrorResponse(error);
    throw error;
  }
  context.logger.log('info', 'user.registered', { userId: user.id });
  return startSession(context, request, user, 201, 'Registration successful!');
}

async function login(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const input = await readCredentials(request);
  if (!input.ok) return input.response;

  const user = await context.accounts.authenticate(input.credentials);
  if (user === null) {
    context.logger.log('info', 'login.failed', { client: request.clientAddress });
    // One answer for an unknown email and a wrong password: the response tells nobody which
    // accounts exist (the timing is equalised by Accounts.authenticate).
    return errorResponse(401, 'INVALID_CREDENTIALS', 'The email or password is incorrect.');
  }
  context.logger.log('info', 'login.succeeded', { userId: user.id });
  return startSession(context, request, user, 200, 'Login successful!');
}

async function logout(
  context: AuthContext,
  request: HttpRequest,
  clearSiteData: boolean,
): Promise<HttpResponse> {
  for (const session of await sessionsInRequest(context, request)) {
    await context.sessions.invalidateSession(session.id);
  }
  const headers: [string, string][] = [['Set-Cookie', context.cookie.clear()]];
  if (clearSiteData) headers.push(['Clear-Site-Data', '"cookies"']);
  return jsonResponse(200, { message: 'Logged out.' }, headers);
}

async function currentSession(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) return unauthenticated();
  const headers: [string, string][] =
    auth.setCookie === null ? [] : [['Set-Cookie', auth.setCookie]];
  return jsonResponse(
    200,
    { user: publicUser(auth.user), session: publicSession(auth.session) },
    headers,
  );
}

/**
 * Starts a new session for a user who just proved who they are. Any session the request
 * already carried is ended first: a login never inherits a session (no session fixation).
 */
async function startSession(
  context: AuthContext,
  request: HttpRequest,
  user: User,
  status: number,
  message: string,
): Promise<HttpResponse> {
  for (const previous of await sessionsInRequest(context, request)) {
    await context.sessions.invalidateSession(previous.id);
  }
  const { token, session } = await context.sessions.createSession(user.id, {
    userAgent: request.header('user-agent') ?? null,
  });
  const cookie = context.cookie.serialize(token, context.sessions.cookieMaxAgeSeconds(session));
  return jsonResponse(
    status,
    { message, user: publicUser(user), session: publicSession(session) },
    [['Set-Cookie', cookie]],
  );
}

/** 401 for a request without a live session. */
export function unauthenticated(): HttpResponse {
  return errorResponse(401, 'UNAUTHENTICATED', 'Log in first: there is no live session.');
}

/** What the API shows of a user. */
export function publicUser(user: User): { id: string; email: string; createdAt: string } {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
}

/** What the API shows of a session: never its token. */
export function publicSession(session: Session): {
  id: string;
  createdAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
} {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
  };
}

async function readCredentials(
  request: HttpRequest,
): Promise<
  | { ok: true; credentials: { email: string; password: string } }
  | { ok: false; response: HttpResponse }
> {
  const body = await readFields(request);
  if (!body.ok) return body;
  const email = stringField(body.fields, 'email', EMAIL_MAX_LENGTH);
  if (!email.ok) return email;
  const password = stringField(body.fields, 'password', PASSWORD_MAX_LENGTH);
  if (!password.ok) return password;
  return { ok: true, credentials: { email: email.value, password: password.value } };
}

function accountErrorResponse(error: AccountError): HttpResponse {
  switch (error.code) {
    case 'EMAIL_TAKEN':
      return errorResponse(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
    case 'EMAIL_INVALID':
      return errorResponse(400, 'EMAIL_INVALID', 'This is not a valid email address.', {
        field: 'email',
      });
    case 'PASSWORD_TOO_SHORT':
    case 'PASSWORD_TOO_LONG':
      return errorResponse(400, error.code, error.message.replace(/^latchkey: /, ''), {
        field: 'password',
      });
    case 'USER_NOT_FOUND':
      return errorResponse(404, 'NOT_FOUND', 'There is no such user.');
  }
}
