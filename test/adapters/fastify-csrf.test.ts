import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { errorCode } from '../support/server.js';
import { ORIGIN, fastifyHarness, inject } from './fastify-harness.js';

describe('latchkey/fastify: CSRF', () => {
  const { startApp, register } = fastifyHarness();

  it("refuses a cross-site POST to the application's own route with 403", async () => {
    const { app, appWrites } = await startApp();
    const cookie = await register(app);
    const forged = await inject(app, 'POST', '/api/notes', {
      json: { text: 'forged' },
      cookie,
      headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
    const noToken = await inject(app, 'POST', '/api/notes', { json: { text: 'x' }, cookie });
    assert.equal(errorCode(noToken.body), 'CSRF_TOKEN_MISSING');
    assert.deepEqual(appWrites, []);

    const own = await inject(app, 'POST', '/api/notes', {
      json: { text: 'mine' },
      cookie,
      headers: { origin: ORIGIN },
    });
    assert.equal(own.status, 201);
    assert.deepEqual(appWrites, [{ text: 'mine' }]);
  });

  it('with csrf: false, the csrf preHandler guards the routes it is put on', async () => {
    const { app, appWrites } = await startApp({ plugin: { csrf: false } });
    const cookie = await register(app);
    const cross = { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' };
    const guarded = await inject(app, 'POST', '/api/open', { cookie, headers: cross });
    assert.equal(errorCode(guarded.body), 'CSRF_CROSS_SITE');
    const unguarded = await inject(app, 'POST', '/api/notes', {
      json: { text: 'no hook' },
      cookie,
      headers: cross,
    });
    assert.equal(unguarded.status, 201, 'no check where none was asked for');
    assert.equal(appWrites.length, 1);
  });

  it('takes the CSRF token from a form field the application parsed', async () => {
    const { app } = await startApp({
      before: (instance) => {
        instance.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string' },
          (_request, body, done) => {
            done(null, Object.fromEntries(new URLSearchParams(body as string)));
          },
        );
      },
    });
    const cookie = await register(app);
    const session = await inject(app, 'GET', '/auth/session', { cookie });
    const token = (session.body as { csrfToken: string }).csrfToken;
    const missing = await inject(app, 'POST', '/api/notes', { form: 'text=x', cookie });
    assert.equal(errorCode(missing.body), 'CSRF_TOKEN_MISSING');
    const sent = await inject(app, 'POST', '/api/notes', {
      form: `text=x&csrf_token=${encodeURIComponent(token)}`,
      cookie,
    });
    assert.equal(sent.status, 201);
  });

  it('a cross-site POST to /auth/logout gets 403 and the session stays live', async () => {
    const { app } = await startApp();
    const cookie = await register(app);
    const forged = await inject(app, 'POST', '/auth/logout', {
      cookie,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
    assert.deepEqual(forged.setCookies, []);
    assert.equal((await inject(app, 'GET', '/api/secure-data', { cookie })).status, 200);
  });

  it('trusts X-Forwarded-Proto only from a proxy named in trustProxy', async () => {
    for (const [trustProxy, expected] of [
      [false, 403],
      [['127.0.0.1'], 201],
    ] as const) {
      const { app } = await startApp({ plugin: { trustProxy } });
      const cookie = await register(app);
      const response = await inject(app, 'POST', '/api/notes', {
        json: { text: 'behind TLS' },
        cookie,
        headers: { origin: 'https://localhost:80', 'x-forwarded-proto': 'https' },
      });
      assert.equal(response.status, expected, `trustProxy: ${JSON.stringify(trustProxy)}`);
    }
  });
});
