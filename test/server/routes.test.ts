import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

const SESSION_COOKIE =
  /^__Host-auth_token=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/;
const PASSWORD = 'correct horse battery staple';

describe('the auth server over HTTP', () => {
  let server: TestServer;
  let counter = 0;
  const freshEmail = (): string => `user${++counter}@example.com`;

  const register = async (email = freshEmail()) => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
    });
    assert.equal(response.status, 201, response.text);
    return { email, cookie: cookiePair(response.setCookies[0]), response };
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  describe('POST /auth/register', () => {
    it('creates the account and logs the new user in', async () => {
      const { email, cookie, response } = await register();
      assert.match(response.setCookies[0] ?? '', SESSION_COOKIE);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = response.body as { user: { email: string; id: string } };
      assert.equal(body.user.email, email);
      assert.equal('passwordHash' in body.user, false);
      const session = await send(server.url, 'GET', '/auth/session', { cookie });
      assert.equal(session.status, 200);
    });

    it('accepts an HTML form body', async () => {
      const response = await send(server.url, 'POST', '/auth/register', {
        form: { email: freshEmail(), password: PASSWORD },
      });
      assert.equal(response.status, 201);
    });

    it('refuses an email that is already registered, with 409 EMAIL_TAKEN', async () => {
      const { email } = await register();
      const again = await send(server.url, 'POST', '/auth/register', {
        json: { email: email.toUpperCase(), password: PASSWORD },
      });
      assert.equal(again.status, 409);
      assert.equal(errorCode(again.body), 'EMAIL_TAKEN');
      assert.deepEqual(again.setCookies, []);
    });

    it('refuses a short password and an invalid email with stable codes', async () => {
      const short = await send(server.url, 'POST', '/auth/register', {
        json: { email: freshEmail(), password: 'short' },
      });
      assert.equal(short.status, 400);
      assert.equal(errorCode(short.body), 'PASSWORD_TOO_SHORT');
      const invalid = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'not an email', password: PASSWORD },
      });
      assert.equal(invalid.status, 400);
      assert.equal(errorCode(invalid.body), 'EMAIL_INVALID');
    });
  });

  describe('POST /auth/login', () => {
    it('answers "Login successful!" with the user and sets the HttpOnly cookie', async () => {
      const { email } = await register();
      const response = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
      });
      assert.equal(response.status, 200);
      const body = response.body as { message: string; user: { email: string } };
      assert.equal(body.message, 'Login successful!');
      assert.equal(body.user.email, email);
      assert.equal(response.setCookies.length, 2);
      assert.match(response.setCookies[0] ?? '', SESSION_COOKIE);
      assert.match(
        response.setCookies[1] ?? '',
        /^__Host-latchkey_device=[\w-]{22}\.[\w-]{43}; Max-Age=15552000; Path=\/; Secure; HttpOnly; SameSite=Strict$/,
      );
      assert.ok(response.setCookies[0]?.endsWith('; Path=/; Secure; HttpOnly; SameSite=Lax'));
      assert.equal(response.headers.get('cache-control'), 'no-store');
    });

    it('user enumeration by message: unknown email and wrong password get the same answer', async () => {
      const { email } = await register();
      const wrong = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: 'not the password' },
      });
      const unknown = await send(server.url, 'POST', '/auth/login', {
        json: { email: 'nobody@example.com', password: 'not the password' },
      });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      assert.equal(errorCode(wrong.body), 'INVALID_CREDENTIALS');
      assert.deepEqual(wrong.setCookies, []);
    });

    it('session fixation: every login starts a new session and ends the one it carried', async () => {
      const { email, cookie: first } = await register();
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        cookie: first,
        headers: { origin: server.url },
      });
      const second = cookiePair(login.setCookies[0]);
      assert.notEqual(second, first);
      assert.equal((await send(server.url, 'GET', '/auth/session', { cookie: first })).status, 401);
      assert.equal(
        (await send(server.url, 'GET', '/auth/session', { cookie: second })).status,
        200,
      );
    });

    it('session fixation: an attacker-chosen cookie value is never adopted', async () => {
      const { email } = await register();
      const planted = `__Host-auth_token=${'A'.repeat(43)}`;
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        cookie: planted,
      });
      assert.notEqual(cookiePair(login.setCookies[0]), planted);
      assert.equal(
        (await send(server.url, 'GET', '/auth/session', { cookie: planted })).status,
        401,
      );
    });
  });

  describe('GET /auth/session', () => {
    it('gives the user and the session expiry', async () => {
      const { email, cookie } = await register();
      const response = await send(server.url, 'GET', '/auth/session', { cookie });
      const body = response.body as { user: { email: string }; session: { expiresAt: string } };
      assert.equal(body.user.email, email);
      const expiresInMs = Date.parse(body.session.expiresAt) - Date.now();
      assert.ok(expiresInMs > 86_000_000 && expiresInMs <= 86_400_000, String(expiresInMs));
      assert.equal(response.headers.get('cache-control'), 'no-store');
    });

    it('is 401 with no cookie, a forged cookie or a junk cookie', async () => {
      for (const cookie of [
        undefined,
        `__Host-auth_token=${'B'.repeat(43)}`,
        '__Host-auth_token=%%%',
      ]) {
        const response = await send(
          server.url,
          'GET',
          '/auth/session',
          cookie === undefined ? {} : { cookie },
        );
        assert.equal(response.status, 401);
        assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
      }
    });
  });

  describe('GET /api/secure-data', () => {
    it('answers 200 with data for a live session, with and without the trailing slash', async () => {
      const { email, cookie } = await register();
      for (const path of ['/api/secure-data', '/api/secure-data/']) {
        const response = await send(server.url, 'GET', path, { cookie });
        assert.equal(response.status, 200);
        const body = response.body as { message: string; user: { email: string } };
        assert.equal(body.user.email, email);
        assert.equal(typeof body.message, 'string');
      }
    });

    it('answers 401 JSON without a live session', async () => {
      for (const path of ['/api/secure-data', '/api/secure-data/']) {
        const response = await send(server.url, 'GET', path);
        assert.equal(response.status, 401);
        assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
      }
    });

    it('cookie tossing: two live session cookies of the same name are both refused', async () => {
      const a = await register();
      const b = await register();
      const both = `${a.cookie}; ${b.cookie}`;
      assert.equal(
        (await send(server.url, 'GET', '/api/secure-data', { cookie: both })).status,
        401,
      );
      const oneLive = `__Host-auth_token=${'C'.repeat(43)}; ${a.cookie}`;
      const response = await send(server.url, 'GET', '/api/secure-data', { cookie: oneLive });
      assert.equal(response.status, 200);
    });
  });

  describe('POST /auth/logout', () => {
    it('ends the session on the server and clears the cookie with matching attributes', async () => {
      const { cookie } = await register();
      const response = await send(server.url, 'POST', '/auth/logout', {
        cookie,
        headers: { origin: server.url },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(response.setCookies, [
        '__Host-auth_token=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax',
      ]);
      assert.equal(response.headers.get('clear-site-data'), '"cookies"');
      assert.equal(response.headers.get('cache-control'), 'no-store');
    });

    it('replay after logout: the old cookie is refused', async () => {
      const { cookie } = await register();
      assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 200);
      const logout = await send(server.url, 'POST', '/auth/logout', {
        cookie,
        headers: { origin: server.url },
      });
      assert.equal(logout.status, 200);
      const replay = await send(server.url, 'GET', '/api/secure-data', { cookie });
      assert.equal(replay.status, 401);
    });
  });

  describe('logging', () => {
    it('writes one structured line per request, never a token, cookie or password', async () => {
      const { cookie, email } = await register();
      await send(server.url, 'GET', '/api/secure-data', { cookie });
      const token = cookie.split('=')[1] ?? '';
      const raw = server.rawLog();
      assert.equal(raw.includes(token), false);
      assert.equal(raw.includes(PASSWORD), false);
      const requests = server.logs.filter((line) => line.event === 'http.request');
      assert.ok(requests.some((line) => line.path === '/api/secure-data' && line.status === 200));
      assert.ok(email.length > 0);
    });

    it('logs where it listens and where the data is at start-up', () => {
      const started = server.logs.find((line) => line.event === 'server.started');
      assert.ok(started);
      assert.equal(started.url, server.url);
      assert.equal(started.store, `sqlite:${server.dataDir}/latchkey.db`);
    });
  });
});
