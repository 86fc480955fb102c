import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { errorCode, send } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { runAuthScript, startReferenceServer } from './auth-route-parity.js';
import { expressHarness } from './express-harness.js';

import type express from 'express';

/**
 * The in-process tests of `latchkey/express`: CSRF, proxies, the auth routes and body parsers.
 * Run against one major version of Express (the module passed in): Express 5 as `express`,
 * Express 4 as the alias `express4`.
 */
export function expressRoutesSuite(label: string, createExpress: typeof express): void {
  describe(`latchkey/express on ${label}: CSRF and auth routes`, () => {
    const { startApp, register, keep } = expressHarness(createExpress);

    it("csrf() refuses a cross-site POST to the application's own route with 403", async () => {
      const { url, appWrites } = await startApp();
      const cookie = await register(url);
      const forged = await send(url, 'POST', '/api/notes', {
        json: { text: 'forged' },
        cookie,
        headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(forged.status, 403);
      assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
      const foreignOrigin = await send(url, 'POST', '/api/notes', {
        json: { text: 'forged' },
        cookie,
        headers: { origin: 'https://attacker.example' },
      });
      assert.equal(errorCode(foreignOrigin.body), 'CSRF_ORIGIN_MISMATCH');
      assert.deepEqual(appWrites, []);

      const own = await send(url, 'POST', '/api/notes', {
        json: { text: 'mine' },
        cookie,
        headers: { origin: url },
      });
      assert.equal(own.status, 201);
      assert.deepEqual(appWrites, ['{"text":"mine"}']);
    });

    it('a cross-site POST to /auth/logout gets 403 and the session stays live', async () => {
      const { url } = await startApp();
      const cookie = await register(url);
      const forged = await send(url, 'POST', '/auth/logout', {
        cookie,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(forged.status, 403);
      assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
      assert.deepEqual(forged.setCookies, []);
      assert.equal((await send(url, 'GET', '/api/secure-data', { cookie })).status, 200);
    });

    it("the auth routes answer exactly as the standalone server's", async () => {
      const reference = await startReferenceServer();
      keep(reference);
      const { url } = await startApp();
      const expected = await runAuthScript(reference.url);
      assert.deepEqual(await runAuthScript(url), expected);
    });

    it('the auth routes behind express.json() and express.urlencoded() answer the same', async () => {
      // A body the parser refuses never reaches Latchkey: the application answers those.
      const reachesLatchkey = ({ step }: { step: string }): boolean =>
        step !== 'register, malformed JSON' && step !== 'register, oversized';
      for (const parsersFirst of [true, 'extended'] as const) {
        const reference = await startReferenceServer();
        keep(reference);
        const { url } = await startApp({ parsersFirst });
        const expected = (await runAuthScript(reference.url)).filter(reachesLatchkey);
        assert.deepEqual((await runAuthScript(url)).filter(reachesLatchkey), expected);
      }
    });

    it('a gzip body is read when express.json() inflated it first, and refused (415) raw', async () => {
      const body = gzipSync(JSON.stringify({ email: 'zip@example.com', password: PASSWORD }));
      const headers = {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'sec-fetch-site': 'same-origin',
      };
      for (const [parsersFirst, status] of [
        [true, 201],
        [false, 415],
      ] as const) {
        const { url } = await startApp({ parsersFirst });
        const answer = await send(url, 'POST', '/auth/register', { body, headers });
        assert.equal(answer.status, status, answer.text);
      }
    });

    it("the application's body parsers still read bodies after the auth routes", async () => {
      for (const parsersFirst of [false, true, 'extended'] as const) {
        const { url, appWrites } = await startApp({ parsersFirst });
        const cookie = await register(url);
        const own = await send(url, 'POST', '/api/notes', {
          json: { text: 'kept' },
          cookie,
          headers: { origin: url },
        });
        assert.equal(own.status, 201);
        assert.deepEqual(appWrites, ['{"text":"kept"}']);
      }
    });

    it('csrf() takes the token from a form field that express.urlencoded() parsed', async () => {
      const { url, appWrites } = await startApp();
      const cookie = await register(url);
      const missing = await send(url, 'POST', '/api/notes', { form: { text: 'x' }, cookie });
      assert.equal(errorCode(missing.body), 'CSRF_TOKEN_MISSING');
      const session = await send(url, 'GET', '/auth/session', { cookie });
      const token = (session.body as { csrfToken: string }).csrfToken;
      const sent = await send(url, 'POST', '/api/notes', {
        form: { text: 'x', csrf_token: token },
        cookie,
      });
      assert.equal(sent.status, 201);
      assert.equal(appWrites.length, 1);
    });

    it('trusts X-Forwarded-Proto only from a proxy named in trustProxy', async () => {
      for (const [trustProxy, expected] of [
        [false, 403],
        [['127.0.0.1'], 201],
      ] as const) {
        const { url } = await startApp({ adapter: { trustProxy } });
        const cookie = await register(url);
        const host = new URL(url).host;
        const response = await send(url, 'POST', '/api/notes', {
          json: { text: 'behind TLS' },
          cookie,
          headers: { origin: `https://${host}`, 'x-forwarded-proto': 'https' },
        });
        assert.equal(response.status, expected, `trustProxy: ${JSON.stringify(trustProxy)}`);
      }
    });
  });
}
