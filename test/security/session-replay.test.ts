import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';
import {
  PASSWORD,
  csrfTokenFor,
  loginUser,
  registerUser,
  sessionStatus,
} from '../support/users.js';

import type { TestServer } from '../support/server.js';

const NEW_PASSWORD = 'a new and different pass phrase';

describe('session replay', () => {
  let server: TestServer;
  const own = () => ({ origin: server.url, 'sec-fetch-site': 'same-origin' });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /** Every authenticated route refuses the cookie. */
  const assertDead = async (cookie: string, label: string) => {
    for (const path of ['/auth/session', '/auth/sessions', '/api/secure-data']) {
      const response = await send(server.url, 'GET', path, { cookie });
      assert.equal(response.status, 401, `${label}: ${path}`);
      assert.equal(errorCode(response.body), 'UNAUTHENTICATED', `${label}: ${path}`);
    }
  };

  it('replay after logout: a copy of the cookie opens nothing, token or not', async () => {
    const user = await registerUser(server.url);
    const logout = await send(server.url, 'POST', '/auth/logout', {
      cookie: user.cookie,
      headers: own(),
    });
    assert.equal(logout.status, 200);
    await assertDead(user.cookie, 'after logout');
    const withToken = await send(server.url, 'POST', '/auth/logout-others', {
      cookie: user.cookie,
      headers: { 'x-csrf-token': user.csrfToken },
    });
    assert.equal(withToken.status, 401, withToken.text);
  });

  it('replay after a session is revoked from another device', async () => {
    const user = await registerUser(server.url);
    const stolen = await loginUser(server.url, user.email);
    const revoke = await send(server.url, 'DELETE', `/auth/sessions/${stolen.sessionId}`, {
      cookie: user.cookie,
      headers: own(),
    });
    assert.equal(revoke.status, 200, revoke.text);
    await assertDead(stolen.cookie, 'after revoke');
    assert.equal(await sessionStatus(server.url, user.cookie), 200);
  });

  it('replay after a password change: other sessions end, the current one is rotated', async () => {
    const current = await registerUser(server.url);
    const laptop = await loginUser(server.url, current.email);
    const phone = await loginUser(server.url, current.email);

    const changed = await send(server.url, 'POST', '/auth/password', {
      json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      cookie: current.cookie,
      headers: own(),
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal((changed.body as { endedSessions: number }).endedSessions, 2);
    const rotated = cookiePair(changed.setCookies[0]);
    assert.notEqual(rotated, current.cookie);

    await assertDead(laptop.cookie, 'laptop');
    await assertDead(phone.cookie, 'phone');
    await assertDead(current.cookie, 'the old cookie of the current session');
    assert.equal(await sessionStatus(server.url, rotated), 200);

    const listed = await send(server.url, 'GET', '/auth/sessions', { cookie: rotated });
    const sessions = (listed.body as { sessions: { id: string; current: boolean }[] }).sessions;
    assert.equal(sessions.length, 1);
    assert.notEqual(sessions[0]?.id, current.sessionId, 'the session id rotated');

    // A CSRF token read before the change is bound to the old id: it no longer verifies.
    const stale = await send(server.url, 'POST', '/auth/logout-others', {
      cookie: rotated,
      headers: { 'x-csrf-token': current.csrfToken },
    });
    assert.equal(stale.status, 403, stale.text);
    assert.equal(errorCode(stale.body), 'CSRF_TOKEN_INVALID');
    const fresh = await send(server.url, 'POST', '/auth/logout-others', {
      cookie: rotated,
      headers: { 'x-csrf-token': await csrfTokenFor(server.url, rotated) },
    });
    assert.equal(fresh.status, 200, fresh.text);

    const oldPassword = await send(server.url, 'POST', '/auth/login', {
      json: { email: current.email, password: PASSWORD },
    });
    assert.equal(oldPassword.status, 401);
    await loginUser(server.url, current.email, { password: NEW_PASSWORD });
  });
});
