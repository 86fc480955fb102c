import { once } from 'node:events';
import { createServer } from 'node:http';

import { createAuthContext } from '../../src/http/context.js';
import { createNodeListener } from '../../src/http/node.js';
import { createServerApp } from '../../src/server/app.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { cookiePair, send } from '../support/server.js';

import type { AddressInfo } from 'node:net';
import type { TestResponse } from '../support/server.js';

/** One signing secret for every app in the adapter tests. */
export const TEST_SECRET = 'adapter tests: a secret of at least thirty-two bytes';

/** An HTTP server on a free loopback port. */
export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0, with any node:http request listener (an Express app is one). */
export async function listen(
  listener: Parameters<typeof createServer>[1] & object,
): Promise<Listening> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The standalone server's routes (`createServerApp`) on memory stores: the reference. */
export function startReferenceServer(): Promise<Listening> {
  const context = createAuthContext({
    sessionStore: new MemorySessionStore(),
    userStore: new MemoryUserStore(),
    secrets: [TEST_SECRET],
  });
  return listen(createNodeListener(createServerApp(context)));
}

/** What is compared of a response: status, Latchkey's own headers and the body. */
export interface Observed {
  step: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

// Every header Latchkey's auth routes write. The server adds security headers of its own
// (nosniff, framing, HSTS) and each framework adds its own (X-Powered-By, Keep-Alive); those
// belong to the application, not to the routes.
const COMPARED_HEADERS = [
  'content-type',
  'cache-control',
  'set-cookie',
  'clear-site-data',
  'allow',
  'retry-after',
];

// Values that differ between two runs of the same steps: ids, times, signed tokens.
const VOLATILE_KEYS = new Set([
  'id',
  'createdAt',
  'lastSeenAt',
  'expiresAt',
  'absoluteExpiresAt',
  'csrfToken',
]);

/**
 * Runs the same sequence of auth-route requests against `baseUrl` (register, login, session,
 * sessions, logout-others, password, revoke, logout, and the refusals: bad media type, bad
 * JSON, repeated form field, oversized body, wrong method, unknown path, cross-site, missing
 * CSRF token) and returns every response with its volatile values masked.
 */
export async function runAuthScript(baseUrl: string): Promise<Observed[]> {
  const origin = new URL(baseUrl).origin;
  const sameOrigin = { origin };
  const observed: Observed[] = [];
  const step = async (
    name: string,
    method: string,
    path: string,
    options: Parameters<typeof send>[3] = {},
  ): Promise<TestResponse> => {
    const response = await send(baseUrl, method, path, options);
    observed.push({ step: name, ...mask(response) });
    return response;
  };
  const email = 'parity@example.com';
  const password = 'correct horse battery staple';

  await step('session, anonymous', 'GET', '/auth/session');
  const registered = await step('register', 'POST', '/auth/register', {
    json: { email, password },
    headers: sameOrigin,
  });
  const first = cookiePair(registered.setCookies[0]);
  await step('register, taken', 'POST', '/auth/register', {
    json: { email, password },
    headers: sameOrigin,
  });
  await step('register, text/plain', 'POST', '/auth/register', {
    body: 'email=x',
    headers: sameOrigin,
  });
  await step('register, malformed JSON', 'POST', '/auth/register', {
    body: '{"email":',
    headers: { ...sameOrigin, 'content-type': 'application/json' },
  });
  await step('register, repeated field', 'POST', '/auth/register', {
    body: 'email=a%40example.com&email=b%40example.com&password=x',
    headers: { ...sameOrigin, 'content-type': 'application/x-www-form-urlencoded' },
  });
  await step('register, oversized', 'POST', '/auth/register', {
    json: { email, password: 'p'.repeat(20_000) },
    headers: sameOrigin,
  });
  await step('session', 'GET', '/auth/session', { cookie: first });
  const head = await fetch(new URL('/auth/session', baseUrl), {
    method: 'HEAD',
    headers: { cookie: first },
  });
  observed.push({
    step: 'session, HEAD',
    ...mask({ status: head.status, headers: head.headers, setCookies: [], body: null, text: '' }),
  });
  await step('login, wrong password', 'POST', '/auth/login', {
    json: { email, password: 'wrong horse battery staple' },
    headers: sameOrigin,
  });
  const loggedIn = await step('login, form body', 'POST', '/auth/login', {
    form: { email, password },
    headers: sameOrigin,
  });
  const second = cookiePair(loggedIn.setCookies[0]);
  await step('sessions', 'GET', '/auth/sessions', { cookie: second });
  await step('logout-others', 'POST', '/auth/logout-others', {
    cookie: second,
    headers: sameOrigin,
  });
  await step('session, ended by logout-others', 'GET', '/auth/session', { cookie: first });
  await step('password, wrong current', 'POST', '/auth/password', {
    json: { currentPassword: 'not it at all, no', newPassword: 'a brand new passphrase' },
    cookie: second,
    headers: sameOrigin,
  });
  await step('email, wrong current', 'POST', '/auth/email', {
    json: { currentPassword: 'not it at all, no', newEmail: 'moved@example.com' },
    cookie: second,
    headers: sameOrigin,
  });
  await step('email, invalid', 'POST', '/auth/email', {
    json: { currentPassword: password, newEmail: 'not an email' },
    cookie: second,
    headers: sameOrigin,
  });
  const listed = await send(baseUrl, 'GET', '/auth/sessions', { cookie: second });
  const ownId = (listed.body as { sessions: { id: string }[] }).sessions[0]?.id ?? '';
  await step('revoke, unknown id', 'DELETE', `/auth/sessions/${'a'.repeat(26)}`, {
    cookie: second,
    headers: sameOrigin,
  });
  await step('revoke, not an id', 'DELETE', '/auth/sessions/not-an-id', {
    cookie: second,
    headers: sameOrigin,
  });
  await step('login, wrong method', 'PUT', '/auth/login', { headers: sameOrigin });
  await step('unknown path', 'GET', '/auth/nothing-here');
  await step('logout, cross-site', 'POST', '/auth/logout', {
    cookie: second,
    headers: { 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example' },
  });
  await step('logout, no origin and no token', 'POST', '/auth/logout', { cookie: second });
  const session = await send(baseUrl, 'GET', '/auth/session', { cookie: second });
  const csrfToken = (session.body as { csrfToken: string }).csrfToken;
  await step('logout, token in a form field', 'POST', '/auth/logout', {
    form: { csrf_token: csrfToken },
    cookie: second,
  });
  await step('session, after logout', 'GET', '/auth/session', { cookie: second });
  await step('revoke, after logout', 'DELETE', `/auth/sessions/${ownId}`, {
    cookie: second,
    headers: sameOrigin,
  });
  return observed;
}

function mask(response: TestResponse): Omit<Observed, 'step'> {
  const headers: Record<string, string> = {};
  for (const name of COMPARED_HEADERS) {
    const value =
      name === 'set-cookie'
        ? response.setCookies.map(maskSetCookie).join(' | ')
        : response.headers.get(name);
    if (value !== null && value !== '') headers[name] = value;
  }
  // After a body refused part-way the connection is closed, so that no request is read from
  // the rest of it.
  if (response.headers.get('connection') === 'close') headers.connection = 'close';
  return { status: response.status, headers, body: maskJson(response.body) };
}

function maskSetCookie(line: string): string {
  return line.replace(/^([^=]+)=[^;]+/, '$1=<value>').replace(/Max-Age=[1-9]\d*/, 'Max-Age=<n>');
}

function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      VOLATILE_KEYS.has(key) ? '<volatile>' : maskJson(inner),
    ]),
  );
}
