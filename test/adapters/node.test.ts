import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { latchkeyNode } from '../../src/http/node.js';
import { publicUser } from '../../src/http/present.js';
import { cookiePair, errorCode, send } from '../support/server.js';
import { listen, runAuthScript, startReferenceServer } from './auth-route-parity.js';
import { flakySessionStore } from './flaky-store.js';
import { CROSS_SITE, PASSWORD, testLatchkey } from './web-request.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LatchkeyOptions } from '../../src/http/latchkey.js';
import type { LatchkeyNodeOptions } from '../../src/http/node.js';
import type { Listening, Observed } from './auth-route-parity.js';

describe('latchkey/node (latchkeyNode)', () => {
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  /** A node:http app: auth routes, the CSRF check, then its own routes. */
  async function startApp(
    options: { latchkey?: Partial<LatchkeyOptions>; adapter?: LatchkeyNodeOptions } = {},
  ) {
    const { latchkey, events } = testLatchkey(options.latchkey);
    const auth = latchkeyNode(latchkey, options.adapter);
    const appWrites: string[] = [];
    const json = (res: ServerResponse, status: number, body: unknown): void => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (await auth.handle(req, res)) return;
      if (!(await auth.checkCsrf(req, res))) return;
      if (req.url === '/whoami') {
        const current = await auth.getAuth(req, res);
        json(res, 200, current === null ? null : { email: current.user.email });
      } else if (req.url === '/api/secure-data') {
        res.appendHeader('Set-Cookie', 'early=1');
        const current = await auth.requireUser(req, res);
        if (current === null) return;
        res.appendHeader('Set-Cookie', 'theme=dark');
        json(res, 200, { message: 'This is protected data.', user: publicUser(current.user) });
      } else if (req.url === '/public-page') {
        // A page the application lets shared caches keep, written in each of node:http's ways.
        await auth.getAuth(req, res);
        res.setHeader('Cache-Control', 'public, max-age=300');
        if (req.headers['x-write-head'] === 'object') {
          res.writeHead(200, { 'cache-control': 'public, max-age=300' }).end('<h1>Welcome</h1>');
        } else if (req.headers['x-write-head'] === 'list') {
          res.writeHead(200, ['Cache-Control', 's-maxage=60']).end('<h1>Welcome</h1>');
        } else if (req.headers['x-write-head'] === 'twice') {
          // node:http keeps the last of two names that differ in case.
          res
            .writeHead(200, { 'Cache-Control': 'private', 'cache-control': 'public, max-age=600' })
            .end('<h1>Welcome</h1>');
        } else if (req.headers['x-write-head'] === 'cdn') {
          res.setHeader('CDN-Cache-Control', 'max-age=600');
          res.end('<h1>Welcome</h1>');
        } else if (req.headers['x-write-head'] === 'private') {
          res.writeHead(200, { 'Cache-Control': 'private, max-age=60' }).end('<h1>Welcome</h1>');
        } else {
          res.end('<h1>Welcome</h1>');
        }
      } else if (req.url === '/api/notes' && req.method === 'POST') {
        if ((await auth.requireUser(req, res)) === null) return;
        const body = await auth.readBody(req);
        appWrites.push(new TextDecoder().decode(body ?? undefined));
        json(res, 201, { saved: true });
      } else {
        json(res, 404, { error: { code: 'NOT_FOUND' } });
      }
    };
    const server = await listen((req, res) => {
      route(req, res).catch(() => {
        json(res, 500, { error: { code: 'APP_ERROR' } });
      });
    });
    servers.push(server);
    return { url: server.url, events, appWrites };
  }

  async function register(url: string): Promise<string> {
    const response = await send(url, 'POST', '/auth/register', {
      json: { email: 'ada@example.com', password: PASSWORD },
      headers: { origin: url },
    });
    assert.equal(response.status, 201);
    return cookiePair(response.setCookies.find((line) => line.startsWith('__Host-auth_token=')));
  }

  it('handle answers the auth routes exactly as the standalone server does', async () => {
    const { url } = await startApp();
    const reference = await startReferenceServer();
    servers.push(reference);
    // The one difference: a body between 16 KiB and maxBodyBytes is read whole (it may be the
    // application's), so the connection can stay open after the 413.
    const compared = (steps: Observed[]) =>
      steps.map(({ headers: { connection: _connection, ...headers }, ...step }) => ({
        ...step,
        headers,
      }));
    assert.deepEqual(
      compared(await runAuthScript(url)),
      compared(await runAuthScript(reference.url)),
    );
  });

  it('register 201, login 200 "Login successful!", logout clears the cookie, then 401', async () => {
    const { url } = await startApp();
    const credentials = { email: 'ada@example.com', password: PASSWORD };
    assert.equal((await register(url)).length > 0, true);
    const login = await send(url, 'POST', '/auth/login', {
      json: credentials,
      headers: { origin: url },
    });
    assert.equal(login.status, 200);
    assert.equal((login.body as { message: string }).message, 'Login successful!');
    const cookie = cookiePair(login.setCookies[0]);
    assert.equal((await send(url, 'GET', '/api/secure-data', { cookie })).status, 200);

    const logout = await send(url, 'POST', '/auth/logout', { cookie, headers: { origin: url } });
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
    assert.equal((await send(url, 'GET', '/auth/session', { cookie })).status, 401);
    assert.equal((await send(url, 'GET', '/api/secure-data', { cookie })).status, 401);
  });

  it('getAuth gives the live session and user, or null', async () => {
    const { url } = await startApp();
    const cookie = await register(url);
    assert.deepEqual((await send(url, 'GET', '/whoami', { cookie })).body, {
      email: 'ada@example.com',
    });
    assert.equal((await send(url, 'GET', '/whoami')).body, null);
    const forged = `__Host-auth_token=${'A'.repeat(43)}`;
    assert.equal((await send(url, 'GET', '/whoami', { cookie: forged })).body, null);
  });

  it('requireUser writes 401 UNAUTHENTICATED in JSON itself and resolves null', async () => {
    const { url } = await startApp();
    const anonymous = await send(url, 'GET', '/api/secure-data');
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');
    assert.equal(anonymous.headers.get('cache-control'), 'no-store');
  });

  it('checkCsrf writes 403 for a cross-site POST, and the route never runs', async () => {
    const { url, appWrites } = await startApp();
    const cookie = await register(url);
    const forged = await send(url, 'POST', '/api/notes', {
      json: { text: 'forged' },
      cookie,
      headers: CROSS_SITE,
    });
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
    assert.deepEqual(appWrites, []);
    const own = await send(url, 'POST', '/api/notes', {
      json: { text: 'mine' },
      cookie,
      headers: { origin: url },
    });
    assert.equal(own.status, 201);
    assert.deepEqual(appWrites, ['{"text":"mine"}']);
  });

  it('readBody gives the application the form body the CSRF check read for its token', async () => {
    const { url, appWrites } = await startApp();
    const cookie = await register(url);
    const session = await send(url, 'GET', '/auth/session', { cookie });
    const { csrfToken } = session.body as { csrfToken: string };
    // No Origin, no Sec-Fetch-Site (an old browser or a script): the token is read from the body.
    const posted = await send(url, 'POST', '/api/notes', {
      form: { csrf_token: csrfToken, text: 'from a form' },
      cookie,
    });
    assert.equal(posted.status, 201);
    assert.deepEqual(appWrites, [`csrf_token=${csrfToken}&text=from+a+form`]);
  });

  it("the renewed session cookie is appended beside the application's own cookies", async () => {
    const { url } = await startApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
    const cookie = await register(url);
    const data = await send(url, 'GET', '/api/secure-data', { cookie });
    assert.equal(data.status, 200);
    const names = data.setCookies.map((line) => line.split('=', 1)[0]);
    assert.deepEqual(names, ['early', '__Host-auth_token', 'theme']);
    assert.equal(cookiePair(data.setCookies[1]), cookie, 'the same session, renewed');
    assert.equal(data.headers.get('cache-control'), 'no-store');
  });

  it('shared-cache session leak: no renewed cookie on a page marked public', async () => {
    const { url } = await startApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
    const cookie = await register(url);
    for (const writeHead of ['none', 'object', 'list', 'twice']) {
      const page = await send(url, 'GET', '/public-page', {
        cookie,
        headers: { 'x-write-head': writeHead },
      });
      assert.equal(page.status, 200);
      assert.equal(cookiePair(page.setCookies[0]), cookie, `renewed (${writeHead})`);
      assert.equal(page.headers.get('cache-control'), 'no-store', writeHead);
    }
    // A private cache is the user's own: the application's choice stays.
    const page = await send(url, 'GET', '/public-page', {
      cookie,
      headers: { 'x-write-head': 'private' },
    });
    assert.equal(page.headers.get('cache-control'), 'private, max-age=60');
    const cdn = await send(url, 'GET', '/public-page', {
      cookie,
      headers: { 'x-write-head': 'cdn' },
    });
    assert.equal(cdn.headers.get('cdn-cache-control'), 'no-store');
    // Without a renewal, the page is the application's to cache.
    const { url: calm } = await startApp();
    const calmCookie = await register(calm);
    const cached = await send(calm, 'GET', '/public-page', { cookie: calmCookie });
    assert.deepEqual(cached.setCookies, []);
    assert.equal(cached.headers.get('cache-control'), 'public, max-age=300');
  });

  it('the client address is the socket peer, unless a trusted proxy says otherwise', async () => {
    const direct = await startApp();
    const forwarded = { 'x-forwarded-for': '203.0.113.9', origin: direct.url };
    const wrong = { email: 'nobody@example.com', password: 'not the password' };
    await send(direct.url, 'POST', '/auth/login', { json: wrong, headers: forwarded });
    const proxied = await startApp({ adapter: { trustProxy: ['127.0.0.1'] } });
    await send(proxied.url, 'POST', '/auth/login', {
      json: wrong,
      headers: { ...forwarded, origin: proxied.url },
    });
    const client = (events: typeof direct.events) =>
      events.find((entry) => entry.event === 'login.failed')?.fields.client;
    assert.equal(client(direct.events), '127.0.0.1');
    assert.equal(client(proxied.events), '203.0.113.9');
  });

  it('a store outage is a 503 STORE_UNAVAILABLE from requireUser and the routes, never a 401', async () => {
    const flaky = flakySessionStore();
    const { url } = await startApp({ latchkey: { sessionStore: flaky.store } });
    const cookie = await register(url);
    flaky.setDown(true);
    const guarded = await send(url, 'GET', '/api/secure-data', { cookie });
    assert.equal(guarded.status, 503);
    assert.equal(errorCode(guarded.body), 'STORE_UNAVAILABLE');
    assert.equal(guarded.headers.get('retry-after'), '5');
    const session = await send(url, 'GET', '/auth/session', { cookie });
    assert.equal(session.status, 503);
    assert.equal((await send(url, 'GET', '/whoami', { cookie })).status, 500, 'getAuth throws');
    flaky.setDown(false);
    assert.equal((await send(url, 'GET', '/api/secure-data', { cookie })).status, 200);
  });

  it('refuses a maxBodyBytes below what the auth routes accept, naming the option', () => {
    const { latchkey } = testLatchkey();
    assert.throws(() => latchkeyNode(latchkey, { maxBodyBytes: 1024 }), {
      code: 'CONFIG_INVALID',
      option: 'maxBodyBytes',
    });
  });
});
