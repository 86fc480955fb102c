import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { errorCode, send, startTestServer } from '../support/server.js';
import { PASSWORD, registerUser, sessionEmail, uniqueEmail } from '../support/users.js';

import type { TestServer } from '../support/server.js';

// Login CSRF: a hostile page posts the attacker's credentials so that the victim's browser ends
// up logged in to the attacker's account, and whatever the victim then types lands there.
const FORGERIES: { name: string; headers: Record<string, string>; code: string }[] = [
  {
    name: 'a cross-site Origin',
    headers: { origin: 'http://evil.example' },
    code: 'CSRF_ORIGIN_MISMATCH',
  },
  {
    name: 'Sec-Fetch-Site: cross-site',
    headers: { 'sec-fetch-site': 'cross-site' },
    code: 'CSRF_CROSS_SITE',
  },
  {
    name: 'both, as a current browser sends them',
    headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    code: 'CSRF_CROSS_SITE',
  },
];

describe('login CSRF', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('a cross-site login form is refused: no Set-Cookie, the victim stays who they were', async () => {
    const attacker = await registerUser(server.url);
    const victim = await registerUser(server.url);
    for (const forgery of FORGERIES) {
      for (const body of ['form', 'json'] as const) {
        const credentials = { email: attacker.email, password: PASSWORD };
        const response = await send(server.url, 'POST', '/auth/login', {
          ...(body === 'form' ? { form: credentials } : { json: credentials }),
          cookie: victim.cookie,
          headers: forgery.headers,
        });
        const label = `${forgery.name}, ${body}`;
        assert.equal(response.status, 403, `${label}: ${response.text}`);
        assert.equal(errorCode(response.body), forgery.code, label);
        assert.deepEqual(response.setCookies, [], label);
      }
    }
    assert.equal(await sessionEmail(server.url, victim.cookie), victim.email);
  });

  it('a cross-site register form is refused: no Set-Cookie and no account created', async () => {
    for (const forgery of FORGERIES) {
      const email = uniqueEmail('forged-register');
      const response = await send(server.url, 'POST', '/auth/register', {
        form: { email, password: PASSWORD },
        headers: forgery.headers,
      });
      assert.equal(response.status, 403, `${forgery.name}: ${response.text}`);
      assert.equal(errorCode(response.body), forgery.code, forgery.name);
      assert.deepEqual(response.setCookies, [], forgery.name);
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
      });
      assert.equal(login.status, 401, `${forgery.name}: no account was created`);
      const later = await send(server.url, 'POST', '/auth/register', {
        json: { email, password: PASSWORD },
      });
      assert.equal(later.status, 201, `${forgery.name}: the email is still free`);
    }
  });

  it('a refused login counts no failure against the account', async () => {
    const attacker = await registerUser(server.url);
    for (let i = 0; i < 8; i += 1) {
      const response = await send(server.url, 'POST', '/auth/login', {
        json: { email: attacker.email, password: 'wrong guess number one' },
        headers: { origin: 'http://evil.example' },
      });
      assert.equal(response.status, 403);
    }
    const login = await send(server.url, 'POST', '/auth/login', {
      json: { email: attacker.email, password: PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
  });

  it('the same login from the server’s own page goes through (the control)', async () => {
    const user = await registerUser(server.url);
    const response = await send(server.url, 'POST', '/auth/login', {
      form: { email: user.email, password: PASSWORD },
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.setCookies.length, 2);
  });
});
