import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { errorCode, send, startTestServer } from '../support/server.js';
import { PASSWORD, loginUser, registerUser, sessionStatus, uniqueEmail } from '../support/users.js';

import type { TestServer } from '../support/server.js';

// What `fetch(url, {method: 'POST', mode: 'no-cors', credentials: 'include',
// body: JSON.stringify(...)})` on a hostile page makes a browser send: a "simple" request that
// needs no preflight, because text/plain is a CORS-safelisted content type.
const NO_CORS_FETCH = {
  origin: 'http://evil.example',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'no-cors',
  'content-type': 'text/plain;charset=UTF-8',
};

describe('cross-site JSON POST sent as text/plain', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('is refused by the CSRF check before the body is judged, on every route', async () => {
    const victim = await registerUser(server.url);
    const other = await loginUser(server.url, victim.email);
    const targets: { method: string; path: string; body: unknown }[] = [
      { method: 'POST', path: '/auth/logout', body: {} },
      { method: 'POST', path: '/auth/logout-others', body: {} },
      {
        method: 'POST',
        path: '/auth/password',
        body: { currentPassword: PASSWORD, newPassword: 'chosen by the attacker' },
      },
      { method: 'DELETE', path: `/auth/sessions/${other.sessionId}`, body: {} },
      { method: 'POST', path: '/api/secure-data', body: {} },
    ];
    for (const target of targets) {
      const response = await send(server.url, target.method, target.path, {
        body: JSON.stringify(target.body),
        cookie: victim.cookie,
        headers: NO_CORS_FETCH,
      });
      assert.equal(response.status, 403, `${target.path}: ${response.text}`);
      assert.equal(errorCode(response.body), 'CSRF_CROSS_SITE', target.path);
      assert.deepEqual(response.setCookies, [], target.path);
    }
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
    await loginUser(server.url, victim.email);
  });

  it('login and register sent as text/plain are refused and create nothing', async () => {
    const email = uniqueEmail('plain');
    for (const path of ['/auth/register', '/auth/login']) {
      const response = await send(server.url, 'POST', path, {
        body: JSON.stringify({ email, password: PASSWORD }),
        headers: NO_CORS_FETCH,
      });
      assert.equal(response.status, 403, `${path}: ${response.text}`);
      assert.equal(errorCode(response.body), 'CSRF_CROSS_SITE', path);
      assert.deepEqual(response.setCookies, [], path);
    }
    const login = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    assert.equal(login.status, 401, 'no account was created');
  });

  it('is refused with no Content-Type at all, and with only one of the two headers', async () => {
    const victim = await registerUser(server.url);
    const other = await loginUser(server.url, victim.email);
    const variants: { headers: Record<string, string>; code: string }[] = [
      { headers: { origin: 'http://evil.example' }, code: 'CSRF_ORIGIN_MISMATCH' },
      { headers: { 'sec-fetch-site': 'cross-site' }, code: 'CSRF_CROSS_SITE' },
    ];
    for (const variant of variants) {
      // A byte body: fetch adds no Content-Type for it (a string body would get text/plain).
      const response = await fetch(new URL('/auth/logout-others', server.url), {
        method: 'POST',
        body: new TextEncoder().encode('{}'),
        headers: { ...variant.headers, cookie: victim.cookie },
      });
      const body: unknown = await response.json();
      assert.equal(response.status, 403);
      assert.equal(errorCode(body), variant.code);
    }
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
  });

  it('without Origin or Sec-Fetch-Site the token check still comes before the 415', async () => {
    const victim = await registerUser(server.url);
    const response = await send(server.url, 'POST', '/auth/logout', {
      body: '{}',
      cookie: victim.cookie,
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(response.status, 403, response.text);
    assert.equal(errorCode(response.body), 'CSRF_TOKEN_MISSING');
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
  });
});
