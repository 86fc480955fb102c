import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { requireUser } from '../../src/http/express.js';
import { cookiePair, errorCode, send } from '../support/server.js';
import { listen } from './auth-route-parity.js';
import { PASSWORD, expressHarness } from './express-harness.js';
import { flakySessionStore } from './flaky-store.js';

import type express from 'express';
import type { ErrorRequestHandler } from 'express';

/**
 * The in-process tests of `latchkey/express`: `req.latchkey`, the guard, store outages, cookies.
 * Run against one major version of Express (the module passed in): Express 5 as `express`,
 * Express 4 as the alias `express4`.
 */
export function expressAdapterSuite(label: string, createExpress: typeof express): void {
  describe(`latchkey/express on ${label}: sessions`, () => {
    const { startApp, register, keep } = expressHarness(createExpress);

    it('sets req.latchkey to the live session and its user, and to null without one', async () => {
      const { url } = await startApp();
      const cookie = await register(url);
      assert.deepEqual((await send(url, 'GET', '/whoami', { cookie })).body, {
        email: 'ada@example.com',
      });
      assert.equal((await send(url, 'GET', '/whoami')).body, null);
      const forged = `__Host-auth_token=${'A'.repeat(43)}`;
      assert.equal((await send(url, 'GET', '/whoami', { cookie: forged })).body, null);
    });

    it('requireUser answers 401 UNAUTHENTICATED in JSON without a live session', async () => {
      const { url } = await startApp();
      const anonymous = await send(url, 'GET', '/api/secure-data');
      assert.equal(anonymous.status, 401);
      assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');
      assert.equal(anonymous.headers.get('cache-control'), 'no-store');

      const cookie = await register(url);
      const allowed = await send(url, 'GET', '/api/secure-data', { cookie });
      assert.equal(allowed.status, 200);
      assert.equal((allowed.body as { user: { email: string } }).user.email, 'ada@example.com');
      assert.equal(allowed.headers.get('cache-control'), 'no-store');
    });

    it('a store outage is a 503 STORE_UNAVAILABLE, never a 401 and never next(err)', async () => {
      const flaky = flakySessionStore();
      const { url, errors } = await startApp({ latchkey: { sessionStore: flaky.store } });
      const cookie = await register(url);
      flaky.setDown(true);

      const guarded = await send(url, 'GET', '/api/secure-data', { cookie });
      assert.equal(guarded.status, 503);
      assert.equal(errorCode(guarded.body), 'STORE_UNAVAILABLE');
      assert.equal(guarded.headers.get('retry-after'), '5');
      const login = await send(url, 'POST', '/auth/login', {
        json: { email: 'ada@example.com', password: PASSWORD },
        headers: { origin: url },
      });
      assert.equal(login.status, 503);
      assert.deepEqual(login.setCookies, []);
      // A request without a session cookie never reaches the store.
      assert.equal((await send(url, 'GET', '/api/secure-data')).status, 401);
      assert.deepEqual(errors, []);

      flaky.setDown(false);
      assert.equal((await send(url, 'GET', '/api/secure-data', { cookie })).status, 200);
    });

    it('shared-cache session leak: no renewed cookie on a page marked public', async () => {
      const { url } = await startApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
      const cookie = await register(url);
      const page = await send(url, 'GET', '/public-page', { cookie });
      assert.equal(page.status, 200);
      assert.equal(cookiePair(page.setCookies[0]), cookie, 'renewed');
      assert.equal(page.headers.get('cache-control'), 'no-store');
      // Without a renewal, the page is the application's to cache.
      const { url: calm } = await startApp();
      const cached = await send(calm, 'GET', '/public-page', { cookie: await register(calm) });
      assert.deepEqual(cached.setCookies, []);
      assert.equal(cached.headers.get('cache-control'), 'public, max-age=300');
    });

    it("the renewed session cookie is appended beside the application's own cookies", async () => {
      const { url } = await startApp({
        latchkey: { session: { renewalIntervalSeconds: 0 } },
        before: (app) => {
          app.use((_req, res, next) => {
            res.cookie('early', '1');
            next();
          });
        },
      });
      const cookie = await register(url);
      const data = await send(url, 'GET', '/api/secure-data', { cookie });
      assert.equal(data.status, 200);
      const names = data.setCookies.map((line) => line.split('=', 1)[0]);
      assert.deepEqual(names, ['early', '__Host-auth_token', 'theme']);
      assert.equal(cookiePair(data.setCookies[1]), cookie, 'the same session, renewed');

      // An auth route that sets no session cookie keeps the renewal: the browser's Max-Age
      // must follow the session the store just slid.
      const session = await send(url, 'GET', '/auth/session', { cookie });
      assert.equal(session.status, 200);
      assert.ok(
        session.setCookies.some((line) => line.startsWith(`${cookie};`)),
        'GET /auth/session carries the renewed cookie',
      );

      // An auth route sets the session cookie itself: the renewal does not come along.
      const logout = await send(url, 'POST', '/auth/logout', { cookie, headers: { origin: url } });
      assert.equal(logout.status, 200);
      assert.deepEqual(
        logout.setCookies.map((line) => line.split(';', 1)[0]),
        ['early=1', '__Host-auth_token='],
      );
    });

    it('requireUser() without latchkey() is a mistake passed to next(err)', async () => {
      const app = createExpress();
      const errors: unknown[] = [];
      app.get('/x', requireUser(), (_req, res) => {
        res.end();
      });
      const onError: ErrorRequestHandler = (error, _req, res, _next) => {
        errors.push(error);
        res.status(500).end();
      };
      app.use(onError);
      const server = await listen(app);
      keep(server);
      assert.equal((await send(server.url, 'GET', '/x')).status, 500);
      assert.match(String(errors[0]), /mount app\.use\(latchkey\(instance\)\) before it/);
    });
  });
}
