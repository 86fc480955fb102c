import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError, LatchkeyError } from '../../src/errors.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { ManualClock } from '../support/clock.js';
import { cookiePair, errorCode, send, sendRaw, startTestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';

describe('server options', () => {
  it('uses the configured cookie name and SameSite, giving the founding document’s line', async () => {
    const server = await startTestServer({
      env: { LATCHKEY_COOKIE_NAME: 'auth_token', LATCHKEY_COOKIE_SAMESITE: 'Strict' },
    });
    try {
      const response = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'a@example.com', password: PASSWORD },
      });
      assert.match(
        response.setCookies[0] ?? '',
        /^auth_token=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Strict$/,
      );
    } finally {
      await server.close();
    }
  });

  it('turns registration off with LATCHKEY_REGISTRATION=off', async () => {
    const server = await startTestServer({ env: { LATCHKEY_REGISTRATION: 'off' } });
    try {
      const response = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'a@example.com', password: PASSWORD },
      });
      assert.equal(response.status, 403);
      assert.equal(errorCode(response.body), 'REGISTRATION_DISABLED');
    } finally {
      await server.close();
    }
  });

  it('slides the session forward and renews the cookie Max-Age, then ends it when idle', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({
      clock: clock.now,
      session: {
        idleTimeoutSeconds: 600,
        absoluteLifetimeSeconds: 3_600,
        renewalIntervalSeconds: 60,
      },
    });
    try {
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'slide@example.com', password: PASSWORD },
      });
      assert.match(registered.setCookies[0] ?? '', /; Max-Age=600;/);
      const cookie = cookiePair(registered.setCookies[0]);

      clock.advanceSeconds(30);
      const early = await send(server.url, 'GET', '/api/secure-data', { cookie });
      assert.equal(early.status, 200);
      assert.deepEqual(early.setCookies, [], 'no renewal write within the interval');

      clock.advanceSeconds(500);
      const renewed = await send(server.url, 'GET', '/api/secure-data', { cookie });
      assert.equal(renewed.status, 200);
      assert.match(renewed.setCookies[0] ?? '', /^__Host-auth_token=[^;]+; Max-Age=600; Path=\/;/);
      assert.equal(cookiePair(renewed.setCookies[0]), cookie, 'renewal keeps the token');

      clock.advanceSeconds(599);
      assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 200);
      clock.advanceSeconds(600);
      assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 401);
    } finally {
      await server.close();
    }
  });

  it('renews the cookie for a client that sends a CSRF token instead of Origin', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock: clock.now });
    try {
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'curl@example.com', password: PASSWORD },
      });
      const cookie = cookiePair(registered.setCookies[0]);
      const token = (registered.body as { csrfToken: string }).csrfToken;
      clock.advanceSeconds(120);
      const response = await send(server.url, 'POST', '/auth/logout-others', {
        cookie,
        headers: { 'x-csrf-token': token },
      });
      assert.equal(response.status, 200);
      assert.match(response.setCookies[0] ?? '', /^__Host-auth_token=[^;]+; Max-Age=86400;/);
    } finally {
      await server.close();
    }
  });

  it('ends a session at its absolute lifetime however busy it is', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({
      clock: clock.now,
      session: {
        idleTimeoutSeconds: 600,
        absoluteLifetimeSeconds: 1_800,
        renewalIntervalSeconds: 60,
      },
    });
    try {
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'busy@example.com', password: PASSWORD },
      });
      const cookie = cookiePair(registered.setCookies[0]);
      for (let elapsed = 300; elapsed < 1_800; elapsed += 300) {
        clock.advanceSeconds(300);
        assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 200);
      }
      clock.advanceSeconds(300);
      assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 401);
    } finally {
      await server.close();
    }
  });
});

describe('host names', () => {
  const get = async (url: string, host: string) =>
    (await sendRaw(`${url}/auth/session`, { headers: { host } })).status;

  it('DNS rebinding: a loopback server refuses a request naming another host with 421', async () => {
    const server = await startTestServer();
    try {
      const port = new URL(server.url).port;
      assert.equal(await get(server.url, `evil.example:${port}`), 421);
      assert.equal(await get(server.url, `localhost:${port}`), 401);
      assert.equal(await get(server.url, `127.0.0.1:${port}`), 401);
      assert.equal(await get(server.url, `[::1]:${port}`), 401);
    } finally {
      await server.close();
    }
  });

  it('answers only to the configured origin’s host when --origin is set', async () => {
    const server = await startTestServer({ env: { LATCHKEY_ORIGIN: 'https://auth.example.com' } });
    try {
      assert.equal(await get(server.url, 'auth.example.com'), 401);
      assert.equal(await get(server.url, 'localhost'), 421);
    } finally {
      await server.close();
    }
  });

  it('takes session lifetimes from the environment', () => {
    const config = resolveServerConfig({
      flags: {},
      env: {
        LATCHKEY_IDLE_TIMEOUT_SECONDS: '1800',
        LATCHKEY_ABSOLUTE_LIFETIME_SECONDS: '28800',
        LATCHKEY_FRESH_LOGIN_SECONDS: '300',
      },
    });
    assert.deepEqual(config.session, { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 28800 });
    assert.equal(config.freshLoginSeconds, 300);
  });
});

describe('resolveServerConfig', () => {
  it('defaults to 127.0.0.1:3000, ./data, __Host-auth_token and SameSite=Lax', () => {
    const config = resolveServerConfig({ flags: {}, env: {} });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.ok(config.dataDir.endsWith('/data'));
    assert.deepEqual(config.cookie, {
      name: '__Host-auth_token',
      sameSite: 'Lax',
      secure: true,
      persistent: true,
    });
    assert.equal(config.trustProxy, false);
    assert.equal(config.secrets, null);
    assert.equal(config.registration, true);
  });

  it('reads the environment, and flags win over it', () => {
    const env = { LATCHKEY_PORT: '4000', LATCHKEY_HOST: '::1', LATCHKEY_DATA_DIR: '/tmp/lk' };
    const fromEnv = resolveServerConfig({ flags: {}, env });
    assert.equal(fromEnv.port, 4000);
    assert.equal(fromEnv.host, '::1');
    assert.equal(fromEnv.dataDir, '/tmp/lk');
    const fromFlags = resolveServerConfig({ flags: { port: '5000', host: '127.0.0.2' }, env });
    assert.equal(fromFlags.port, 5000);
    assert.equal(fromFlags.host, '127.0.0.2');
  });

  it('names the variable and the fix for a bad port or SameSite', () => {
    assert.throws(
      () => resolveServerConfig({ flags: {}, env: { LATCHKEY_PORT: '70000' } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'LATCHKEY_PORT',
    );
    assert.throws(
      () => resolveServerConfig({ flags: { 'same-site': 'loose' }, env: {} }),
      (error: unknown) => error instanceof ConfigError && error.option === '--same-site',
    );
  });

  it('takes the words a password may not be built on from the name, the origin and the environment', () => {
    const config = resolveServerConfig({
      flags: { origin: 'https://www.auth.acme-corp.example' },
      env: { LATCHKEY_PASSWORD_CONTEXT_WORDS: 'Road Runner, Wile' },
    });
    assert.deepEqual(config.passwordContextWords, [
      'latchkey',
      'auth',
      'acme-corp',
      'acme',
      'corp',
      'Road Runner',
      'Wile',
    ]);
    const suffix = resolveServerConfig({ flags: { origin: 'https://login.shop.co.uk.' }, env: {} });
    assert.deepEqual(suffix.passwordContextWords, ['latchkey', 'login', 'shop']);
    const idn = resolveServerConfig({
      flags: { origin: 'https://xn--bcher-kva.example' },
      env: {},
    });
    assert.deepEqual(idn.passwordContextWords, ['latchkey', 'bücher']);
    const loopback = resolveServerConfig({ flags: { origin: 'http://127.0.0.1:3000' }, env: {} });
    assert.deepEqual(loopback.passwordContextWords, ['latchkey']);
  });

  it('password guessing: a password built on the site’s names is refused at registration', async () => {
    const server = await startTestServer({ env: { LATCHKEY_PASSWORD_CONTEXT_WORDS: 'Acme' } });
    try {
      for (const password of ['Latchkey2024!', 'ACME-acme-99', 'carol.1999!!']) {
        const response = await send(server.url, 'POST', '/auth/register', {
          json: { email: 'carol@example.com', password },
        });
        assert.equal(response.status, 400, password);
        assert.equal(errorCode(response.body), 'PASSWORD_TOO_COMMON');
      }
    } finally {
      await server.close();
    }
    await assert.rejects(
      startTestServer({ env: { LATCHKEY_PASSWORD_CONTEXT_WORDS: 'acme,2024' } }).then((started) =>
        started.close(),
      ),
      (error: unknown) =>
        error instanceof ConfigError && error.option === 'LATCHKEY_PASSWORD_CONTEXT_WORDS',
    );
  });

  it('refuses at start-up a cookie name a browser would drop', async () => {
    await assert.rejects(
      startTestServer({ env: { LATCHKEY_COOKIE_NAME: 'auth token' } }).then((server) =>
        server.close(),
      ),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'CONFIG_INVALID',
    );
  });
});

describe('store URLs in logs', () => {
  it('never show a password, in the user part or the query string', async () => {
    const { masked } = await import('../../src/server/stores.js');
    const shown = masked(
      'postgres://app:s3cret-user@db.internal:5432/app?schema=x&password=s3cret-query&sslpassword=k',
    );
    assert.equal(shown.includes('s3cret'), false, shown);
    assert.equal(shown.includes('sslpassword'), false, shown);
    assert.match(shown, /^postgres:\/\/app:\*\*\*@db\.internal:5432\/app$/);
  });
});
