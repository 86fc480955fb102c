import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import Fastify from 'fastify';

import { ConfigError } from '../../src/errors.js';
import { latchkeyPlugin, requireUser } from '../../src/http/fastify.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { cookiePair, errorCode } from '../support/server.js';
import { TEST_SECRET, runAuthScript, startReferenceServer } from './auth-route-parity.js';
import { ORIGIN, PASSWORD, fastifyHarness, inject } from './fastify-harness.js';
import { flakySessionStore } from './flaky-store.js';

import type { FastifyLatchkeyOptions } from '../../src/http/fastify.js';
import type { Listening } from './auth-route-parity.js';

describe('latchkey/fastify', () => {
  const { startApp, register, keep } = fastifyHarness();
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('sets request.latchkey to the live session and its user, and to null without one', async () => {
    const { app } = await startApp();
    const cookie = await register(app);
    assert.deepEqual((await inject(app, 'GET', '/whoami', { cookie })).body, {
      email: 'ada@example.com',
    });
    assert.deepEqual((await inject(app, 'GET', '/whoami')).body, { email: null });
  });

  it('requireUser answers 401 UNAUTHENTICATED in JSON without a live session', async () => {
    const { app } = await startApp();
    const anonymous = await inject(app, 'GET', '/api/secure-data');
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');
    assert.equal(anonymous.headers['cache-control'], 'no-store');

    const cookie = await register(app);
    const allowed = await inject(app, 'GET', '/api/secure-data', { cookie });
    assert.equal(allowed.status, 200);
    assert.equal((allowed.body as { user: { email: string } }).user.email, 'ada@example.com');
    assert.equal(allowed.headers['cache-control'], 'no-store');
  });

  it('a store outage is a 503 STORE_UNAVAILABLE, never a 401 nor an error handler', async () => {
    const flaky = flakySessionStore();
    const { app, errors } = await startApp({ latchkey: { sessionStore: flaky.store } });
    const cookie = await register(app);
    flaky.setDown(true);

    const guarded = await inject(app, 'GET', '/api/secure-data', { cookie });
    assert.equal(guarded.status, 503);
    assert.equal(errorCode(guarded.body), 'STORE_UNAVAILABLE');
    assert.equal(guarded.headers['retry-after'], '5');
    const login = await inject(app, 'POST', '/auth/login', {
      json: { email: 'ada@example.com', password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    assert.equal(login.status, 503);
    assert.deepEqual(login.setCookies, []);
    assert.equal((await inject(app, 'GET', '/api/secure-data')).status, 401);
    assert.deepEqual(errors, []);

    flaky.setDown(false);
    assert.equal((await inject(app, 'GET', '/api/secure-data', { cookie })).status, 200);
  });

  it('shared-cache session leak: no renewed cookie on a page marked public', async () => {
    const { app } = await startApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
    const cookie = await register(app);
    const page = await inject(app, 'GET', '/public-page', { cookie });
    assert.equal(page.status, 200);
    assert.equal(cookiePair(page.setCookies[0]), cookie, 'renewed');
    assert.equal(page.headers['cache-control'], 'no-store');
    // Without a renewal, the page is the application's to cache.
    const { app: calm } = await startApp();
    const cached = await inject(calm, 'GET', '/public-page', { cookie: await register(calm) });
    assert.deepEqual(cached.setCookies, []);
    assert.equal(cached.headers['cache-control'], 'public, max-age=300');
  });

  it('response desync: a Transfer-Encoding set before the plugin is dropped', async () => {
    const { app } = await startApp({
      before: (instance) => {
        instance.addHook('onRequest', async (_request, reply) => {
          reply.header('transfer-encoding', 'chunked');
          return Promise.resolve();
        });
      },
    });
    for (const path of ['/api/secure-data', '/auth/session']) {
      const refused = await inject(app, 'GET', path);
      assert.equal(refused.status, 401, path);
      assert.equal(refused.headers['transfer-encoding'], undefined, path);
    }
  });

  it("the renewed session cookie is appended beside the application's own cookies", async () => {
    const { app } = await startApp({
      latchkey: { session: { renewalIntervalSeconds: 0 } },
      before: (instance) => {
        instance.addHook('onRequest', async (_request, reply) => {
          reply.header('set-cookie', 'early=1');
          return Promise.resolve();
        });
      },
    });
    const cookie = await register(app);
    const data = await inject(app, 'GET', '/api/secure-data', { cookie });
    assert.equal(data.status, 200);
    const names = data.setCookies.map((line) => line.split('=', 1)[0]);
    assert.deepEqual(names, ['early', '__Host-auth_token', 'theme']);
    assert.equal(cookiePair(data.setCookies[1]), cookie, 'the same session, renewed');

    const logout = await inject(app, 'POST', '/auth/logout', {
      cookie,
      headers: { origin: ORIGIN },
    });
    assert.deepEqual(
      logout.setCookies.map((line) => line.split(';', 1)[0]),
      ['early=1', '__Host-auth_token='],
    );
  });

  it("the auth routes answer exactly as the standalone server's, whatever parsers the app has", async () => {
    const reference = await startReferenceServer();
    servers.push(reference);
    const { app } = await startApp({
      before: (instance) => {
        // The application's own parsers (here, one that refuses every JSON body) do not reach
        // the auth routes, which read the raw bytes.
        instance.addContentTypeParser('application/json', (_request, _payload, done) => {
          done(new Error('the application refuses JSON'));
        });
      },
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    assert.deepEqual(await runAuthScript(url), await runAuthScript(reference.url));
  });

  it('registers the auth routes under the prefix the instance serves', async () => {
    const { app } = await startApp({
      latchkey: { routesPrefix: '/api/auth' },
      plugin: { prefix: '/api/auth' },
    });
    const cookie = await register(app, '/api/auth');
    assert.equal((await inject(app, 'GET', '/api/auth/session', { cookie })).status, 200);
    assert.equal((await inject(app, 'GET', '/auth/session', { cookie })).status, 404);
  });

  it('a prefix the instance does not serve fails at registration with CONFIG_INVALID', async () => {
    const app = Fastify();
    keep(app);
    const instance = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [TEST_SECRET],
    });
    await assert.rejects(
      async () => {
        await app.register(latchkeyPlugin, { latchkey: instance, prefix: '/api/auth' });
      },
      { code: 'CONFIG_INVALID', option: 'prefix' },
    );
  });

  it('a misspelt option fails at registration, naming the likely one; Fastify’s own pass', async () => {
    const instance = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [TEST_SECRET],
    });
    const app = Fastify();
    keep(app);
    await assert.rejects(
      async () => {
        await app.register(latchkeyPlugin, {
          latchkey: instance,
          trustproxy: '10.0.0.5',
        } as FastifyLatchkeyOptions);
      },
      (error) =>
        error instanceof ConfigError &&
        error.option === 'trustproxy' &&
        error.message.includes('did you mean trustProxy?'),
    );

    const fine = Fastify();
    keep(fine);
    await fine.register(latchkeyPlugin, { latchkey: instance, logLevel: 'warn' });
    await fine.ready();
  });

  it('requireUser without the plugin is a mistake for the error handler', async () => {
    const app = Fastify();
    keep(app);
    const errors: unknown[] = [];
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error);
      return reply.code(500).send();
    });
    app.get('/x', { preHandler: requireUser }, () => 'never');
    assert.equal((await app.inject({ method: 'GET', url: '/x' })).statusCode, 500);
    assert.match(String(errors[0]), /register latchkeyPlugin before the route/);
  });
});
