import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { errorCode, send, startTestServer } from '../support/server.js';
import {
  PASSWORD,
  csrfTokenFor,
  loginUser,
  registerUser,
  sessionStatus,
  uniqueEmail,
} from '../support/users.js';

import type { TestServer } from '../support/server.js';

// Requests below send neither Origin nor Sec-Fetch-Site: what an old browser, curl, or a script
// replaying a stolen cookie jar sends. Node's fetch adds neither header.
describe('unsafe request with neither Origin nor Sec-Fetch-Site and no token', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('is refused with CSRF_TOKEN_MISSING when it carries a live session cookie', async () => {
    const victim = await registerUser(server.url);
    const other = await loginUser(server.url, victim.email);
    const targets: { method: string; path: string; json: unknown }[] = [
      { method: 'POST', path: '/auth/logout', json: {} },
      { method: 'POST', path: '/auth/logout-others', json: {} },
      {
        method: 'POST',
        path: '/auth/password',
        json: { currentPassword: PASSWORD, newPassword: 'another pass phrase' },
      },
      { method: 'DELETE', path: `/auth/sessions/${other.sessionId}`, json: {} },
    ];
    for (const target of targets) {
      const response = await send(server.url, target.method, target.path, {
        json: target.json,
        cookie: victim.cookie,
      });
      assert.equal(response.status, 403, `${target.path}: ${response.text}`);
      assert.equal(errorCode(response.body), 'CSRF_TOKEN_MISSING', target.path);
      assert.deepEqual(response.setCookies, [], target.path);
    }
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
    await loginUser(server.url, victim.email);
  });

  it('is accepted with the token from GET /auth/session in the X-CSRF-Token header', async () => {
    const victim = await registerUser(server.url);
    const other = await loginUser(server.url, victim.email);
    const token = await csrfTokenFor(server.url, victim.cookie);
    const response = await send(server.url, 'POST', '/auth/logout-others', {
      cookie: victim.cookie,
      headers: { 'x-csrf-token': token },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal((response.body as { endedSessions: number }).endedSessions, 1);
    assert.equal(await sessionStatus(server.url, other.cookie), 401);
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
  });

  it('is accepted with the token in the csrf_token form field', async () => {
    const victim = await registerUser(server.url);
    const changed = await send(server.url, 'POST', '/auth/password', {
      form: {
        currentPassword: PASSWORD,
        newPassword: 'a form-posted pass phrase',
        csrf_token: await csrfTokenFor(server.url, victim.cookie),
      },
      cookie: victim.cookie,
    });
    assert.equal(changed.status, 200, changed.text);
    const rotated = changed.setCookies[0]?.split(';', 1)[0] ?? '';
    const logout = await send(server.url, 'POST', '/auth/logout', {
      form: { csrf_token: await csrfTokenFor(server.url, rotated) },
      cookie: rotated,
    });
    assert.equal(logout.status, 200, logout.text);
    assert.equal(await sessionStatus(server.url, rotated), 401);
  });

  it('is accepted with neither header and no cookie: curl can register and log in', async () => {
    const email = uniqueEmail('curl');
    const registered = await send(server.url, 'POST', '/auth/register', {
      form: { email, password: PASSWORD },
    });
    assert.equal(registered.status, 201, registered.text);
    const login = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    const dead = await send(server.url, 'POST', '/auth/logout', {
      cookie: `__Host-auth_token=${'D'.repeat(43)}`,
    });
    assert.equal(dead.status, 200, 'a cookie naming no live session carries no authority');
  });

  it('cookie tossing cannot dodge the token: ambiguous session cookies still need one', async () => {
    // A sibling subdomain plants the attacker's own live session beside the victim's (possible
    // when the cookie name has no __Host- prefix). The request is then "not authenticated", but
    // logout and login still end every live session it names.
    const attacker = await registerUser(server.url);
    const victim = await registerUser(server.url);
    const padding = ['E', 'F', 'G'].map((c) => `__Host-auth_token=${c.repeat(43)}`);
    for (const cookie of [
      `${attacker.cookie}; ${victim.cookie}`,
      [...padding, attacker.cookie, victim.cookie].join('; '),
    ]) {
      const response = await send(server.url, 'POST', '/auth/logout', { cookie });
      assert.equal(response.status, 403, response.text);
      assert.equal(errorCode(response.body), 'CSRF_TOKEN_MISSING');
      assert.equal(await sessionStatus(server.url, victim.cookie), 200);
    }
  });
});
