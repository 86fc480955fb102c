import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { cookiePair, send } from './server.js';

/** A password that passes the policy and the blocklist. */
export const PASSWORD = 'correct horse battery staple';

/** A session as a client holds it: the cookie pair, its CSRF token and its public id. */
export interface HeldSession {
  email: string;
  /** `__Host-auth_token=...`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
  sessionId: string;
  /** The device cookie pair a login sets (absent after registration). */
  deviceCookie?: string;
}

/** An email address no other test uses. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.com`;
}

/**
 * Registers an account the way curl would (no Origin, no cookie) and returns its first session.
 * `headers` go with the request (an `X-Forwarded-For` for a server that trusts it: each address
 * may register 20 accounts a day before the throttle makes it wait).
 */
export async function registerUser(
  baseUrl: string,
  email = uniqueEmail(),
  options: { headers?: Record<string, string> } = {},
): Promise<HeldSession> {
  const response = await send(baseUrl, 'POST', '/auth/register', {
    json: { email, password: PASSWORD },
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  assert.equal(response.status, 201, response.text);
  return held(email, response);
}

/** Logs in (no Origin, no cookie unless given) and returns the new session. */
export async function loginUser(
  baseUrl: string,
  email: string,
  options: { password?: string; headers?: Record<string, string>; cookie?: string } = {},
): Promise<HeldSession> {
  const response = await send(baseUrl, 'POST', '/auth/login', {
    json: { email, password: options.password ?? PASSWORD },
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
  });
  assert.equal(response.status, 200, response.text);
  return held(email, response);
}

/** Whether a login with this email and password (default {@link PASSWORD}) succeeds. */
export async function logsIn(
  baseUrl: string,
  email: string,
  password = PASSWORD,
): Promise<boolean> {
  const response = await send(baseUrl, 'POST', '/auth/login', { json: { email, password } });
  return response.status === 200;
}

/** The status of `GET /auth/session` with this Cookie header: 200 live, 401 not. */
export async function sessionStatus(baseUrl: string, cookie: string): Promise<number> {
  return (await send(baseUrl, 'GET', '/auth/session', { cookie })).status;
}

/** The email of the user a cookie is logged in as, or null. */
export async function sessionEmail(baseUrl: string, cookie: string): Promise<string | null> {
  const response = await send(baseUrl, 'GET', '/auth/session', { cookie });
  if (response.status !== 200) return null;
  return (response.body as { user: { email: string } }).user.email;
}

/** A fresh CSRF token for the session a cookie names, from `GET /auth/session`. */
export async function csrfTokenFor(baseUrl: string, cookie: string): Promise<string> {
  const response = await send(baseUrl, 'GET', '/auth/session', { cookie });
  assert.equal(response.status, 200, response.text);
  return (response.body as { csrfToken: string }).csrfToken;
}

function held(email: string, response: { setCookies: string[]; body: unknown }): HeldSession {
  const body = response.body as { csrfToken: string; session: { id: string } };
  const device = response.setCookies.find((line) => line.includes('latchkey_device='));
  return {
    email,
    cookie: cookiePair(response.setCookies[0]),
    csrfToken: body.csrfToken,
    sessionId: body.session.id,
    ...(device === undefined ? {} : { deviceCookie: cookiePair(device) }),
  };
}
