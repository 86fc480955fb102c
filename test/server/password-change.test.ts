import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase for ada';

describe('POST /auth/password', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());
  let counter = 0;

  before(async () => {
    server = await startTestServer({ clock: clock.now });
  });
  after(async () => {
    await server.close();
  });

  const register = async () => {
    const email = `pw${++counter}@example.com`;
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
    });
    assert.equal(response.status, 201);
    return { email, cookie: cookiePair(response.setCookies[0]) };
  };
  const change = (cookie: string, body: unknown) =>
    send(server.url, 'POST', '/auth/password', {
      cookie,
      json: body,
      headers: { origin: server.url },
    });

  it('needs a live session', async () => {
    const response = await send(server.url, 'POST', '/auth/password', {
      json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      headers: { origin: server.url },
    });
    assert.equal(response.status, 401);
    assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
  });

  it('session hijack: a stolen session cannot change the password without the current one', async () => {
    const { email, cookie } = await register();
    const response = await change(cookie, {
      currentPassword: 'a guess',
      newPassword: NEW_PASSWORD,
    });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'INVALID_CREDENTIALS');
    const login = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    assert.equal(login.status, 200, 'the password is unchanged');
  });

  it('needs a recent login: an old session gets 403 REAUTHENTICATION_REQUIRED', async () => {
    const { cookie } = await register();
    clock.advanceSeconds(601);
    const response = await change(cookie, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'REAUTHENTICATION_REQUIRED');
  });

  it('refuses a common new password with PASSWORD_TOO_COMMON', async () => {
    const { cookie } = await register();
    const response = await change(cookie, {
      currentPassword: PASSWORD,
      newPassword: 'password123',
    });
    assert.equal(response.status, 400);
    assert.equal(errorCode(response.body), 'PASSWORD_TOO_COMMON');
  });

  it('changes the password, ends the other sessions and rotates this one', async () => {
    const { email, cookie } = await register();
    const other = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    const otherCookie = cookiePair(other.setCookies[0]);

    const response = await change(cookie, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(response.status, 200, response.text);
    assert.equal((response.body as { endedSessions: number }).endedSessions, 1);
    const rotated = cookiePair(response.setCookies[0]);
    assert.notEqual(rotated, cookie);

    assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 401);
    assert.equal(
      (await send(server.url, 'GET', '/api/secure-data', { cookie: otherCookie })).status,
      401,
    );
    assert.equal(
      (await send(server.url, 'GET', '/api/secure-data', { cookie: rotated })).status,
      200,
    );
    // The answer carries the rotated session's CSRF token: a client sends it next, as it is.
    const { csrfToken } = response.body as { csrfToken: string };
    const logout = await send(server.url, 'POST', '/auth/logout', {
      cookie: rotated,
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(logout.status, 200, logout.text);

    const oldLogin = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    assert.equal(oldLogin.status, 401);
    const newLogin = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: NEW_PASSWORD },
    });
    assert.equal(newLogin.status, 200);
  });
});
