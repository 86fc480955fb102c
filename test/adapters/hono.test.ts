import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Hono } from 'hono';
import { cors } from 'hono/cors';

import { authRoutes, csrf, latchkey, requireUser } from '../../src/http/hono.js';
import { publicUser } from '../../src/http/present.js';
import { errorCode, send } from '../support/server.js';
import { runAuthScript, startReferenceServer } from './auth-route-parity.js';
import { flakySessionStore } from './flaky-store.js';
import {
  CROSS_SITE,
  ORIGIN,
  PASSWORD,
  readResponse,
  sessionCookie,
  testLatchkey,
  listenFetch,
  webRequest,
} from './web-request.js';

import type { LatchkeyEnv, LatchkeyHonoOptions } from '../../src/http/hono.js';
import type { LatchkeyOptions } from '../../src/http/latchkey.js';
import type { Listening } from './auth-route-parity.js';

/** The usual wiring: latchkey(), csrf(), the auth routes, then the application's routes. */
function buildApp(
  options: {
    latchkey?: Partial<LatchkeyOptions>;
    adapter?: LatchkeyHonoOptions;
    /** Middleware of the application's, before Latchkey's, that sets a cookie and a header. */
    early?: boolean;
  } = {},
) {
  const { latchkey: instance, events } = testLatchkey(options.latchkey);
  const appWrites: unknown[] = [];
  const app = new Hono<LatchkeyEnv>();
  if (options.early === true) {
    app.use(async (c, next) => {
      c.header('Set-Cookie', 'early=1', { append: true });
      c.header('X-App', 'kept');
      // Framing of the application's own, which must not reach an answer Latchkey makes.
      c.header('Content-Length', '10');
      await next();
    });
  }
  app.use(latchkey(instance, options.adapter));
  app.use(csrf());
  app.all('/auth/*', authRoutes());
  app.get('/whoami', (c) => c.json(c.var.latchkey && { email: c.var.latchkey.user.email }));
  app.get('/api/secure-data', requireUser(), (c) => {
    c.header('Set-Cookie', 'theme=dark', { append: true });
    return c.json({ message: 'This is protected data.', user: publicUser(c.var.latchkey.user) });
  });
  app.get('/public-page', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.html('<h1>Welcome</h1>');
  });
  app.post('/api/notes', requireUser(), async (c) => {
    appWrites.push(await c.req.json());
    return c.json({ saved: true }, 201);
  });
  app.post('/api/form', requireUser(), async (c) => {
    appWrites.push({ ...(await c.req.parseBody()) });
    return c.json({ saved: true }, 201);
  });
  const request = async (input: Request) => readResponse(await app.request(input));
  return { app, request, events, appWrites };
}

async function register(request: (input: Request) => ReturnType<typeof readResponse>) {
  const response = await request(
    webRequest('POST', '/auth/register', {
      json: { email: 'ada@example.com', password: PASSWORD },
      headers: { origin: ORIGIN },
    }),
  );
  assert.equal(response.status, 201);
  return sessionCookie(response);
}

describe('latchkey/hono', () => {
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('sets c.var.latchkey to the live session and its user, and to null without one', async () => {
    const { request } = buildApp();
    const cookie = await register(request);
    const known = await request(webRequest('GET', '/whoami', { cookie }));
    assert.deepEqual(known.body, { email: 'ada@example.com' });
    assert.equal((await request(webRequest('GET', '/whoami'))).body, null);
    const forged = `__Host-auth_token=${'A'.repeat(43)}`;
    assert.equal((await request(webRequest('GET', '/whoami', { cookie: forged }))).body, null);
  });

  it('requireUser() answers 401 UNAUTHENTICATED in JSON without a live session', async () => {
    const { request } = buildApp();
    const anonymous = await request(webRequest('GET', '/api/secure-data'));
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');
    assert.equal(anonymous.headers.get('cache-control'), 'no-store');
    const cookie = await register(request);
    const allowed = await request(webRequest('GET', '/api/secure-data', { cookie }));
    assert.equal(allowed.status, 200);
    assert.equal((allowed.body as { user: { email: string } }).user.email, 'ada@example.com');
    assert.equal(allowed.headers.get('cache-control'), 'no-store');
  });

  it("csrf() refuses a cross-site POST to the application's own route with 403", async () => {
    const { request, appWrites } = buildApp();
    const cookie = await register(request);
    const forged = await request(
      webRequest('POST', '/api/notes', { json: { text: 'x' }, cookie, headers: CROSS_SITE }),
    );
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged.body), 'CSRF_CROSS_SITE');
    assert.deepEqual(appWrites, []);
    const own = await request(
      webRequest('POST', '/api/notes', {
        json: { text: 'mine' },
        cookie,
        headers: { origin: ORIGIN },
      }),
    );
    assert.equal(own.status, 201);
    assert.deepEqual(appWrites, [{ text: 'mine' }], 'the body is still readable after csrf()');
  });

  it('the route can still read a form body that csrf() read to find the token', async () => {
    const { request, appWrites } = buildApp();
    const cookie = await register(request);
    const session = await request(webRequest('GET', '/auth/session', { cookie }));
    const { csrfToken } = session.body as { csrfToken: string };
    // No Origin, no Sec-Fetch-Site (an old browser or a script): the token is read from the body.
    const posted = await request(
      webRequest('POST', '/api/form', { form: { csrf_token: csrfToken, text: 'hi' }, cookie }),
    );
    assert.equal(posted.status, 201);
    assert.deepEqual(appWrites, [{ csrf_token: csrfToken, text: 'hi' }]);
    const missing = await request(webRequest('POST', '/api/form', { form: { text: 'x' }, cookie }));
    assert.equal(errorCode(missing.body), 'CSRF_TOKEN_MISSING');
  });

  it('authRoutes(): register 201, login "Login successful!", logout clears, session 401', async () => {
    const { request } = buildApp();
    await register(request);
    const credentials = { email: 'ada@example.com', password: PASSWORD };
    const login = await request(
      webRequest('POST', '/auth/login', { json: credentials, headers: { origin: ORIGIN } }),
    );
    assert.equal(login.status, 200);
    assert.equal((login.body as { message: string }).message, 'Login successful!');
    const cookie = sessionCookie(login);
    const logout = await request(
      webRequest('POST', '/auth/logout', { cookie, headers: { origin: ORIGIN } }),
    );
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
    const after = await request(webRequest('GET', '/auth/session', { cookie }));
    assert.equal(after.status, 401);
    assert.equal(errorCode(after.body), 'UNAUTHENTICATED');
  });

  it('the auth routes answer exactly as the standalone server does, over HTTP', async () => {
    const { app } = buildApp();
    const server = await listenFetch(app.fetch);
    const reference = await startReferenceServer();
    servers.push(server, reference);
    const withoutConnection = (steps: Awaited<ReturnType<typeof runAuthScript>>) =>
      steps.map(({ headers: { connection: _connection, ...headers }, ...step }) => ({
        ...step,
        headers,
      }));
    assert.deepEqual(
      withoutConnection(await runAuthScript(server.url)),
      withoutConnection(await runAuthScript(reference.url)),
    );
  });

  it("keeps the application's own cookies and headers on Latchkey's answers", async () => {
    const { request } = buildApp({ early: true });
    const registered = await request(
      webRequest('POST', '/auth/register', {
        json: { email: 'early@example.com', password: 'correct horse battery staple' },
        headers: { origin: ORIGIN },
      }),
    );
    assert.equal(registered.status, 201);
    const names = registered.setCookies.map((line) => line.split('=', 1)[0]);
    assert.deepEqual(names, ['early', '__Host-auth_token', '__Host-latchkey_device']);
    assert.equal(registered.headers.get('x-app'), 'kept');
    assert.equal(registered.headers.get('cache-control'), 'no-store');

    const refused = await request(webRequest('GET', '/api/secure-data'));
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.setCookies, ['early=1']);
    assert.equal(refused.headers.get('x-app'), 'kept');
    assert.equal(refused.headers.get('content-length'), null, 'response desync');
  });

  it('behind cors(), which reads c.res first, a login keeps its session cookie', async () => {
    const { latchkey: instance } = testLatchkey();
    const app = new Hono<LatchkeyEnv>();
    app.use(cors({ origin: ORIGIN, credentials: true }));
    app.use(async (c, next) => {
      // Framing of the application's own, which must not reach an answer Latchkey makes.
      c.header('Content-Length', '200');
      await next();
    });
    app.use(latchkey(instance));
    app.all('/auth/*', authRoutes());
    app.get('/api/secure-data', requireUser(), (c) => c.json({ ok: true }));
    const request = async (input: Request) => readResponse(await app.request(input));

    const registered = await request(
      webRequest('POST', '/auth/register', {
        json: { email: 'cors@example.com', password: PASSWORD },
        headers: { origin: ORIGIN },
      }),
    );
    assert.equal(registered.status, 201);
    assert.equal(registered.headers.get('access-control-allow-origin'), ORIGIN);
    const cookie = sessionCookie(registered);
    assert.equal(registered.headers.get('content-length'), null, 'response desync');

    const refused = await request(
      webRequest('GET', '/api/secure-data', { headers: { origin: ORIGIN } }),
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('content-length'), null, 'response desync');
    const allowed = await request(
      webRequest('GET', '/api/secure-data', { cookie, headers: { origin: ORIGIN } }),
    );
    assert.equal(allowed.status, 200);
  });

  it('shared-cache session leak: no renewed cookie on a page marked public', async () => {
    const renewing = buildApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
    const cookie = await register(renewing.request);
    const page = await renewing.request(webRequest('GET', '/public-page', { cookie }));
    assert.equal(page.setCookies[0]?.split(';', 1)[0], cookie, 'renewed');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    // Without a renewal, the page is the application's to cache.
    const calm = buildApp();
    const calmCookie = await register(calm.request);
    const cached = await calm.request(webRequest('GET', '/public-page', { cookie: calmCookie }));
    assert.deepEqual(cached.setCookies, []);
    assert.equal(cached.headers.get('cache-control'), 'public, max-age=300');
  });

  it("adds the renewed session cookie beside the application's own, but not to a logout", async () => {
    const { request } = buildApp({ latchkey: { session: { renewalIntervalSeconds: 0 } } });
    const cookie = await register(request);
    const data = await request(webRequest('GET', '/api/secure-data', { cookie }));
    assert.equal(data.status, 200);
    assert.deepEqual(
      data.setCookies.map((line) => line.split('=', 1)[0]),
      ['theme', '__Host-auth_token'],
    );
    assert.equal(data.setCookies[1]?.split(';', 1)[0], cookie, 'the same session, renewed');

    const logout = await request(
      webRequest('POST', '/auth/logout', { cookie, headers: { origin: ORIGIN } }),
    );
    assert.deepEqual(logout.setCookies.length, 1);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
  });

  it('a store outage is a 503 STORE_UNAVAILABLE, never a logged-out request', async () => {
    const flaky = flakySessionStore();
    const { request } = buildApp({ latchkey: { sessionStore: flaky.store } });
    const cookie = await register(request);
    flaky.setDown(true);
    for (const path of ['/whoami', '/api/secure-data', '/auth/session']) {
      const response = await request(webRequest('GET', path, { cookie }));
      assert.equal(response.status, 503, path);
      assert.equal(errorCode(response.body), 'STORE_UNAVAILABLE');
    }
    // A request without a session cookie never reaches the store.
    assert.equal((await request(webRequest('GET', '/whoami'))).status, 200);
  });

  it('the client address comes from @hono/node-server, or from the clientAddress option', async () => {
    const wrong = { email: 'nobody@example.com', password: 'not the password' };
    const onNode = buildApp();
    const server = await listenFetch(onNode.app.fetch);
    servers.push(server);
    await send(server.url, 'POST', '/auth/login', { json: wrong, headers: { origin: server.url } });

    const elsewhere = buildApp({ adapter: { clientAddress: () => '198.51.100.4' } });
    await elsewhere.request(
      webRequest('POST', '/auth/login', { json: wrong, headers: { origin: ORIGIN } }),
    );
    const client = (events: typeof onNode.events) =>
      events.find((entry) => entry.event === 'login.failed')?.fields.client;
    assert.equal(client(onNode.events), '127.0.0.1');
    assert.equal(client(elsewhere.events), '198.51.100.4');
  });

  it('requireUser(), csrf() and authRoutes() without latchkey() first fail saying so', async () => {
    const app = new Hono();
    const errors: string[] = [];
    app.onError((error, c) => {
      errors.push(error.message);
      return c.text('error', 500);
    });
    app.get('/guarded', requireUser(), (c) => c.text('never'));
    app.post('/form', csrf(), (c) => c.text('never'));
    app.all('/auth/*', authRoutes());
    for (const [method, path] of [
      ['GET', '/guarded'],
      ['POST', '/form'],
      ['GET', '/auth/session'],
    ] as const) {
      assert.equal((await app.request(webRequest(method, path))).status, 500);
    }
    assert.equal(errors.length, 3);
    assert.match(errors[0] ?? '', /requireUser\(\) needs the latchkey\(\) middleware to run first/);
    assert.match(errors[1] ?? '', /^latchkey: csrf\(\) needs/);
    assert.match(errors[2] ?? '', /^latchkey: authRoutes\(\) needs/);
  });
});
