import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { headerSafeEmail } from '../../src/http/routes/verify.js';
import { ManualClock } from '../support/clock.js';
import { cookiePair, errorCode, send, sendRaw, startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';

describe('GET /auth/verify, forward authentication for a proxy', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let counter = 0;

  const register = async (email = `proxied${++counter}@example.com`) => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
    });
    assert.equal(response.status, 201, response.text);
    const body = response.body as { user: { id: string } };
    return { email, id: body.user.id, cookie: cookiePair(response.setCookies[0]) };
  };
  const verify = (cookie: string | undefined, headers: Record<string, string> = {}) =>
    send(server.url, 'GET', '/auth/verify', {
      ...(cookie === undefined ? {} : { cookie }),
      headers: { 'x-forwarded-method': 'GET', ...headers },
    });

  before(async () => {
    server = await startTestServer({ clock: clock.now });
  });
  after(async () => {
    await server.close();
  });

  it('answers 200 for a live session, naming the user in X-Latchkey-User-Id/-Email', async () => {
    const { email, id, cookie } = await register();
    const response = await verify(cookie);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('x-latchkey-user-id'), id);
    assert.equal(response.headers.get('x-latchkey-user-email'), email);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(response.setCookies, []);
    assert.deepEqual(response.body, { user: { id, email } });
  });

  it('answers 401 without a cookie, and at once for a session logged out', async () => {
    const none = await verify(undefined);
    assert.equal(none.status, 401);
    assert.equal(errorCode(none.body), 'UNAUTHENTICATED');
    assert.equal(none.headers.get('x-latchkey-user-id'), null);

    const { cookie } = await register();
    assert.equal((await verify(cookie)).status, 200);
    const session = await send(server.url, 'GET', '/auth/session', { cookie });
    const { csrfToken } = session.body as { csrfToken: string };
    const logout = await send(server.url, 'POST', '/auth/logout', {
      cookie,
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(logout.status, 200);
    const ended = await verify(cookie);
    assert.equal(ended.status, 401);
    assert.equal(ended.headers.get('x-latchkey-user-email'), null);
  });

  it('answers 400 FORWARDED_METHOD_REQUIRED when the proxy does not name the method', async () => {
    const { cookie } = await register();
    for (const method of [undefined, '', 'GET POST', 'G\u00c9T']) {
      const response = await send(server.url, 'GET', '/auth/verify', {
        cookie,
        headers: method === undefined ? {} : { 'x-forwarded-method': method },
      });
      assert.equal(response.status, 400, String(method));
      assert.equal(errorCode(response.body), 'FORWARDED_METHOD_REQUIRED');
      assert.equal(response.headers.get('x-latchkey-user-id'), null);
    }
  });

  it('forgery through a guarded app: an unsafe cross-site request gets 403', async () => {
    const { cookie } = await register();
    const crossSite = await verify(cookie, {
      'x-forwarded-method': 'POST',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(crossSite.status, 403);
    assert.equal(errorCode(crossSite.body), 'CSRF_CROSS_SITE');
    assert.equal(crossSite.headers.get('x-latchkey-user-id'), null);

    const otherOrigin = await verify(cookie, {
      'x-forwarded-method': 'DELETE',
      origin: 'https://attacker.example',
    });
    assert.equal(otherOrigin.status, 403);
    assert.equal(errorCode(otherOrigin.body), 'CSRF_ORIGIN_MISMATCH');

    // Methods are case-sensitive: a lower-case one is not a safe GET.
    const lowerCase = await verify(cookie, {
      'x-forwarded-method': 'get',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(lowerCase.status, 403);
  });

  it('cross-origin WebSocket hijacking: a handshake from another origin is refused', async () => {
    const { cookie } = await register();
    const handshake = {
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    };
    const sameSite = await verify(cookie, {
      ...handshake,
      origin: 'http://127.0.0.1:9',
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'websocket',
    });
    assert.equal(sameSite.status, 403);
    assert.equal(errorCode(sameSite.body), 'CSRF_CROSS_SITE');
    const otherOrigin = await verify(cookie, { ...handshake, origin: 'https://attacker.example' });
    assert.equal(otherOrigin.status, 403);
    assert.equal(errorCode(otherOrigin.body), 'CSRF_ORIGIN_MISMATCH');
    // fetch writes Sec-Fetch-Mode itself: node:http sends the one a browser would.
    const modeOnly = await sendRaw(`${server.url}/auth/verify`, {
      headers: {
        cookie,
        'x-forwarded-method': 'GET',
        'sec-fetch-mode': 'websocket',
        'sec-fetch-site': 'cross-site',
      },
    });
    assert.equal(modeOnly.status, 403);

    const own = await verify(cookie, {
      ...handshake,
      origin: server.url,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'websocket',
    });
    assert.equal(own.status, 200, own.text);
  });

  it('lets an unsafe same-origin request through, and a cross-site GET', async () => {
    const { cookie } = await register();
    const sameOrigin = await verify(cookie, {
      'x-forwarded-method': 'POST',
      'sec-fetch-site': 'same-origin',
      origin: server.url,
    });
    assert.equal(sameOrigin.status, 200, sameOrigin.text);
    const crossSiteRead = await verify(cookie, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSiteRead.status, 200);
  });

  it('asks a client sending no Origin or Sec-Fetch-Site for X-CSRF-Token', async () => {
    const { cookie } = await register();
    const missing = await verify(cookie, { 'x-forwarded-method': 'PUT' });
    assert.equal(missing.status, 403);
    assert.equal(errorCode(missing.body), 'CSRF_TOKEN_MISSING');

    const session = await send(server.url, 'GET', '/auth/session', { cookie });
    const { csrfToken } = session.body as { csrfToken: string };
    const withToken = await verify(cookie, {
      'x-forwarded-method': 'PUT',
      'x-csrf-token': csrfToken,
    });
    assert.equal(withToken.status, 200, withToken.text);

    const forged = await verify(cookie, {
      'x-forwarded-method': 'PUT',
      'x-csrf-token': `${csrfToken.slice(0, -2)}AA`,
    });
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged.body), 'CSRF_TOKEN_INVALID');
  });

  it('sends the renewed session cookie when the session is due for renewal', async () => {
    const { cookie } = await register();
    clock.advanceSeconds(3_600);
    const response = await verify(cookie);
    assert.equal(response.status, 200);
    assert.equal(response.setCookies.length, 1);
    assert.equal(cookiePair(response.setCookies[0]), cookie);
    assert.match(response.setCookies[0] ?? '', /; Max-Age=86400; Path=\/; Secure; HttpOnly/);
  });

  it('percent-encodes an internationalized email in its header', async () => {
    const { id, cookie } = await register('jos\u00e9.m\u00fcller@b\u00fccher.de');
    const response = await verify(cookie);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-latchkey-user-id'), id);
    const header = response.headers.get('x-latchkey-user-email') ?? '';
    assert.equal(header, 'jos%C3%A9.m%C3%BCller@xn--bcher-kva.de');
    assert.equal(decodeURIComponent(header), 'jos\u00e9.m\u00fcller@xn--bcher-kva.de');
  });

  it('answers 405 to any method but GET and HEAD', async () => {
    const response = await send(server.url, 'DELETE', '/auth/verify', {
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });
});

describe('headerSafeEmail', () => {
  it('keeps printable ASCII but %, and encodes the rest as UTF-8 bytes', () => {
    const cases: [string, string][] = [
      ['ada@example.com', 'ada@example.com'],
      ['a%b@example.com', 'a%25b@example.com'],
      ['\u00e9@example.com', '%C3%A9@example.com'],
      ['\u{1f600}@example.com', '%F0%9F%98%80@example.com'],
      ['\ud800@example.com', '%EF%BF%BD@example.com'],
      ['a b\u007f@example.com', 'a%20b%7F@example.com'],
    ];
    for (const [email, expected] of cases) {
      assert.equal(headerSafeEmail(email), expected, email);
      if (!email.includes('\ud800')) assert.equal(decodeURIComponent(expected), email);
    }
  });
});

describe('LATCHKEY_CLEAR_SITE_DATA=off, for an app sharing the host name', () => {
  it("logout ends the session and clears Latchkey's cookie, not the app's", async () => {
    const server = await startTestServer({ env: { LATCHKEY_CLEAR_SITE_DATA: 'off' } });
    try {
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'shared-host@example.com', password: PASSWORD },
      });
      const cookie = cookiePair(registered.setCookies[0]);
      const logout = await send(server.url, 'POST', '/auth/logout', {
        cookie,
        headers: { origin: server.url },
      });
      assert.equal(logout.status, 200, logout.text);
      assert.equal(logout.headers.get('clear-site-data'), null);
      assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
      const after = await send(server.url, 'GET', '/auth/session', { cookie });
      assert.equal(after.status, 401);
    } finally {
      await server.close();
    }
  });

  it('refuses a value that is not on or off, naming the variable', async () => {
    await assert.rejects(
      startTestServer({ env: { LATCHKEY_CLEAR_SITE_DATA: 'sometimes' } }),
      (error: unknown) => error instanceof Error && /LATCHKEY_CLEAR_SITE_DATA/.test(error.message),
    );
  });
});
