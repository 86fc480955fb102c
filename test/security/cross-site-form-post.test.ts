import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { errorCode, send, startTestServer } from '../support/server.js';
import { PASSWORD, loginUser, registerUser, sessionStatus } from '../support/users.js';

import type { TestServer } from '../support/server.js';

const EVIL = 'http://evil.example';
const NEW_PASSWORD = 'a brand new pass phrase';

/** What a hostile page's auto-submitted form makes a browser send, and the code it must get. */
const FORGERIES: { name: string; headers: Record<string, string>; code: string }[] = [
  { name: 'a cross-site Origin', headers: { origin: EVIL }, code: 'CSRF_ORIGIN_MISMATCH' },
  {
    name: 'Sec-Fetch-Site: cross-site',
    headers: { 'sec-fetch-site': 'cross-site' },
    code: 'CSRF_CROSS_SITE',
  },
  {
    name: 'both headers of a current browser',
    headers: { origin: EVIL, 'sec-fetch-site': 'cross-site' },
    code: 'CSRF_CROSS_SITE',
  },
  {
    name: 'Origin: null (a sandboxed frame or a redirect chain)',
    headers: { origin: 'null' },
    code: 'CSRF_ORIGIN_MISMATCH',
  },
  {
    name: 'Sec-Fetch-Site: same-site from an untrusted sibling',
    headers: { origin: 'http://sibling.127.0.0.1', 'sec-fetch-site': 'same-site' },
    code: 'CSRF_CROSS_SITE',
  },
];

describe('cross-site form POST', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /** A victim with two live sessions: the one in the browser and one on another device. */
  const victim = async () => {
    const browser = await registerUser(server.url);
    const other = await loginUser(server.url, browser.email);
    return { browser, other };
  };

  const assertRefused = (
    response: Awaited<ReturnType<typeof send>>,
    forgery: (typeof FORGERIES)[number],
  ) => {
    assert.equal(response.status, 403, `${forgery.name}: ${response.text}`);
    assert.equal(errorCode(response.body), forgery.code, forgery.name);
    assert.deepEqual(response.setCookies, [], forgery.name);
    assert.equal(response.headers.get('clear-site-data'), null, forgery.name);
  };

  it('a forged form POST to /auth/logout is refused and the session stays live', async () => {
    const { browser } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'POST', '/auth/logout', {
        form: {},
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
      assert.equal(await sessionStatus(server.url, browser.cookie), 200, forgery.name);
    }
  });

  it('a forged form POST to /auth/password is refused and the password is unchanged', async () => {
    const { browser, other } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'POST', '/auth/password', {
        form: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
    }
    assert.equal(await sessionStatus(server.url, browser.cookie), 200);
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
    const withNew = await send(server.url, 'POST', '/auth/login', {
      json: { email: browser.email, password: NEW_PASSWORD },
    });
    assert.equal(withNew.status, 401, 'the new password was not set');
    await loginUser(server.url, browser.email);
  });

  it('a forged form POST to /auth/email is refused and the account keeps its email', async () => {
    const { browser } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'POST', '/auth/email', {
        form: { currentPassword: PASSWORD, newEmail: 'attacker@evil.example' },
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
    }
    const moved = await send(server.url, 'POST', '/auth/login', {
      json: { email: 'attacker@evil.example', password: PASSWORD },
    });
    assert.equal(moved.status, 401, 'the email was not changed');
    await loginUser(server.url, browser.email);
  });

  it('a forged form POST to /auth/delete-account is refused and the account stays', async () => {
    const { browser, other } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'POST', '/auth/delete-account', {
        form: { currentPassword: PASSWORD },
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
    }
    assert.equal(await sessionStatus(server.url, browser.cookie), 200);
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
    await loginUser(server.url, browser.email);
  });

  it('a forged form POST to /auth/logout-others is refused and no other session ends', async () => {
    const { browser, other } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'POST', '/auth/logout-others', {
        form: {},
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
      assert.equal(await sessionStatus(server.url, other.cookie), 200, forgery.name);
    }
  });

  it('a forged DELETE /auth/sessions/:id is refused and the targeted session stays live', async () => {
    const { browser, other } = await victim();
    for (const forgery of FORGERIES) {
      const response = await send(server.url, 'DELETE', `/auth/sessions/${other.sessionId}`, {
        form: {},
        cookie: browser.cookie,
        headers: forgery.headers,
      });
      assertRefused(response, forgery);
      assert.equal(await sessionStatus(server.url, other.cookie), 200, forgery.name);
    }
  });

  it('every unsafe method on every path is checked before routing', async () => {
    const { browser } = await victim();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND']) {
      for (const path of ['/auth/logout', '/api/secure-data', '/', '/no/such/path']) {
        const response = await send(server.url, method, path, {
          cookie: browser.cookie,
          headers: { origin: EVIL },
        });
        assert.equal(response.status, 403, `${method} ${path}: ${response.text}`);
        assert.equal(errorCode(response.body), 'CSRF_ORIGIN_MISMATCH', `${method} ${path}`);
      }
    }
    assert.equal(await sessionStatus(server.url, browser.cookie), 200);
  });

  it('the same requests from the server’s own origin go through (the control)', async () => {
    const { browser, other } = await victim();
    const own = { origin: server.url, 'sec-fetch-site': 'same-origin' };
    const revoke = await send(server.url, 'DELETE', `/auth/sessions/${other.sessionId}`, {
      cookie: browser.cookie,
      headers: own,
    });
    assert.equal(revoke.status, 200, revoke.text);
    assert.equal(await sessionStatus(server.url, other.cookie), 401);
    const logout = await send(server.url, 'POST', '/auth/logout', {
      form: {},
      cookie: browser.cookie,
      headers: own,
    });
    assert.equal(logout.status, 200, logout.text);
    assert.equal(await sessionStatus(server.url, browser.cookie), 401);
    const deleting = await victim();
    const deleted = await send(server.url, 'POST', '/auth/delete-account', {
      form: { currentPassword: PASSWORD },
      cookie: deleting.browser.cookie,
      headers: own,
    });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(await sessionStatus(server.url, deleting.other.cookie), 401);
  });
});
