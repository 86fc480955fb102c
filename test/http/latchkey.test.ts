import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { inProcessRequest } from '../support/http-request.js';

import type { HttpRequest } from '../../src/http/types.js';
import type { SessionStore } from '../../src/session/types.js';

const SECRET = 'a secret that is at least thirty-two bytes long';

function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): HttpRequest {
  return inProcessRequest(method, path, { headers, body });
}

describe('createLatchkey', () => {
  it('handles the auth routes under its prefix and nothing else', async () => {
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
      routesPrefix: '/api/auth',
    });
    assert.equal(await latchkey.handleAuthRoute(request('GET', '/auth/session')), null);
    assert.equal(await latchkey.handleAuthRoute(request('GET', '/api/secure-data')), null);
    const response = await latchkey.handleAuthRoute(request('GET', '/api/auth/session'));
    assert.equal(response?.status, 401);
  });

  it('requireUser: 401 without a session, the user with one', async () => {
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
    });
    const anonymous = await latchkey.requireUser(request('GET', '/api/secure-data'));
    assert.equal(anonymous.ok ? 200 : anonymous.response.status, 401);

    const registered = await latchkey.handleAuthRoute(
      request(
        'POST',
        '/auth/register',
        { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery staple' }),
      ),
    );
    assert.equal(registered?.status, 201);
    const cookie = registered.headers.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0];
    assert.ok(cookie);
    const known = await latchkey.requireUser(request('GET', '/x', { cookie }));
    assert.ok(known.ok);
    assert.equal(known.auth.user.email, 'ada@example.com');
  });

  it('checkCsrf refuses a cross-site POST to any path of the application', async () => {
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
    });
    const refused = await latchkey.checkCsrf(
      request('POST', '/api/orders', { 'sec-fetch-site': 'cross-site' }),
    );
    assert.equal(refused?.status, 403);
    assert.equal(await latchkey.checkCsrf(request('GET', '/api/orders')), null);
  });

  it('a store outage is a 503 from requireUser and the routes, never a throw or a 401', async () => {
    const down: SessionStore = new Proxy(new MemorySessionStore(), {
      get: () => () => Promise.reject(new Error('ECONNREFUSED')),
    });
    const latchkey = createLatchkey({
      sessionStore: down,
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
    });
    const cookie = `__Host-auth_token=${'A'.repeat(43)}`;
    const guard = await latchkey.requireUser(request('GET', '/x', { cookie }));
    assert.equal(guard.ok ? 200 : guard.response.status, 503);
    const route = await latchkey.handleAuthRoute(request('GET', '/auth/session', { cookie }));
    assert.equal(route?.status, 503);
    await assert.rejects(latchkey.authenticate(request('GET', '/x', { cookie })), {
      code: 'STORE_UNAVAILABLE',
    });
  });
});
