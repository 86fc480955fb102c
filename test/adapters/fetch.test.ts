import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import {
  checkCsrf,
  createFetchHandler,
  fromFetchRequest,
  getAuth,
  requireUser,
  toFetchResponse,
  withRenewal,
} from '../../src/http/fetch.js';
import { errorCode } from '../support/server.js';
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

import type { Latchkey } from '../../src/http/latchkey.js';
import type { Listening, Observed } from './auth-route-parity.js';

async function register(latchkey: Latchkey, email = 'ada@example.com'): Promise<string> {
  const response = await createFetchHandler(latchkey)(
    webRequest('POST', '/auth/register', { json: { email, password: PASSWORD } }),
  );
  assert.ok(response !== null);
  const read = await readResponse(response);
  assert.equal(read.status, 201);
  return sessionCookie(read);
}

describe('fromFetchRequest and toFetchResponse', () => {
  it('takes method, path and protocol from the URL, and the client address as given', () => {
    const request = fromFetchRequest(new Request('https://app.test/auth/login?next=%2F'), {
      clientAddress: '192.0.2.7',
    });
    assert.equal(request.method, 'GET');
    assert.equal(request.path, '/auth/login');
    assert.equal(request.protocol, 'https');
    assert.equal(request.clientAddress, '192.0.2.7');
    assert.equal(fromFetchRequest(new Request(`${ORIGIN}/`)).clientAddress, '');
  });

  it('believes X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy', () => {
    const forwarded = new Request(`${ORIGIN}/`, {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    });
    const untrusted = fromFetchRequest(forwarded, { clientAddress: '10.0.0.2' });
    assert.deepEqual([untrusted.clientAddress, untrusted.protocol], ['10.0.0.2', 'http']);
    const trusted = fromFetchRequest(forwarded, {
      clientAddress: '10.0.0.2',
      trustProxy: ['10.0.0.0/8'],
    });
    assert.deepEqual([trusted.clientAddress, trusted.protocol], ['203.0.113.9', 'https']);
  });

  it('the application can still read the body after Latchkey has read it', async () => {
    const original = webRequest('POST', '/api/notes', { form: { csrf_token: 't', text: 'hi' } });
    const request = fromFetchRequest(original);
    const bytes = await request.readBody(16_384);
    assert.equal(new TextDecoder().decode(bytes ?? undefined), 'csrf_token=t&text=hi');
    assert.equal(await request.readBody(16_384), bytes, 'read once, kept');
    assert.equal((await original.formData()).get('text'), 'hi');
  });

  it('a body over the limit reads as null, whether declared or streamed', async () => {
    const declared = webRequest('POST', '/auth/login', {
      body: 'x'.repeat(100),
      headers: { 'content-length': '100' },
    });
    assert.equal(declared.headers.get('content-length'), '100');
    assert.equal(await fromFetchRequest(declared).readBody(99), null);
    const streamed = new Request(`${ORIGIN}/auth/login`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(60));
          controller.enqueue(new Uint8Array(60));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(await fromFetchRequest(streamed).readBody(99), null);
  });

  it('a body the application already consumed is a TypeError that says what to reorder', async () => {
    const original = webRequest('POST', '/api/notes', { json: { text: 'hi' } });
    await original.text();
    await assert.rejects(fromFetchRequest(original).readBody(16_384), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /before the application reads the body/);
      return true;
    });
  });

  it('keeps each Set-Cookie on a header line of its own', async () => {
    const response = toFetchResponse({
      status: 200,
      headers: [
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT'],
        ['Content-Type', 'text/plain'],
      ],
      body: 'ok',
    });
    assert.deepEqual(response.headers.getSetCookie(), [
      'a=1; Path=/',
      'b=2; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT',
    ]);
    assert.equal(await response.text(), 'ok');
  });

  it('response desync: a handler’s own Content-Length or Transfer-Encoding is dropped', () => {
    const response = toFetchResponse({
      status: 200,
      headers: [
        ['content-type', 'text/plain'],
        ['Content-Length', '99'],
        ['Transfer-Encoding', 'chunked'],
        ['Content-Type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ],
      body: '{}',
    });
    assert.equal(response.headers.get('content-length'), null);
    assert.equal(response.headers.get('transfer-encoding'), null);
    // The later of two names that differ only in case wins, as it does in the node adapters.
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
  });
});

describe('latchkey/fetch', () => {
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('the auth routes register (201), log in ("Login successful!"), log out, then 401', async () => {
    const { latchkey } = testLatchkey();
    const handle = createFetchHandler(latchkey);
    const credentials = { email: 'ada@example.com', password: PASSWORD };
    const send = async (request: Request) => {
      const response = await handle(request);
      assert.ok(response !== null);
      return readResponse(response);
    };

    assert.equal(
      (await send(webRequest('POST', '/auth/register', { json: credentials }))).status,
      201,
    );
    const login = await send(webRequest('POST', '/auth/login', { json: credentials }));
    assert.equal(login.status, 200);
    assert.equal((login.body as { message: string }).message, 'Login successful!');
    const cookie = sessionCookie(login);
    const session = await send(webRequest('GET', '/auth/session', { cookie }));
    assert.equal((session.body as { user: { email: string } }).user.email, 'ada@example.com');

    const logout = await send(
      webRequest('POST', '/auth/logout', { cookie, headers: { origin: ORIGIN } }),
    );
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0; Path=\/; Secure/);
    const after = await send(webRequest('GET', '/auth/session', { cookie }));
    assert.equal(after.status, 401);
    assert.equal(errorCode(after.body), 'UNAUTHENTICATED');
    assert.equal(await handle(webRequest('GET', '/api/secure-data', { cookie })), null);
  });

  it('the auth routes answer exactly as the standalone server does', async () => {
    const { latchkey } = testLatchkey();
    const handle = createFetchHandler(latchkey);
    const notFound = Response.json({ error: { code: 'NOT_FOUND' } }, { status: 404 });
    const server = await listenFetch(async (request) => (await handle(request)) ?? notFound);
    const reference = await startReferenceServer();
    servers.push(server, reference);
    // Connection: close after a refused body is node:http's to send; a Fetch runtime deals
    // with the rest of the body itself.
    const withoutConnection = (steps: Observed[]) =>
      steps.map(({ headers: { connection: _connection, ...headers }, ...step }) => ({
        ...step,
        headers,
      }));
    assert.deepEqual(
      withoutConnection(await runAuthScript(server.url)),
      withoutConnection(await runAuthScript(reference.url)),
    );
  });

  it('getAuth and requireUser give the session and user, or null and a 401 Response', async () => {
    const { latchkey } = testLatchkey();
    const cookie = await register(latchkey);

    const auth = await getAuth(latchkey, webRequest('GET', '/api/secure-data', { cookie }));
    assert.equal(auth?.user.email, 'ada@example.com');
    assert.equal(auth.setCookie, null, 'no renewal due right after login');
    assert.equal(await getAuth(latchkey, webRequest('GET', '/api/secure-data')), null);

    const allowed = await requireUser(latchkey, webRequest('GET', '/x', { cookie }));
    assert.ok(!(allowed instanceof Response));
    assert.equal(allowed.session.id, auth.session.id);
    const refused = await requireUser(latchkey, webRequest('GET', '/x'));
    assert.ok(refused instanceof Response);
    const read = await readResponse(refused);
    assert.equal(read.status, 401);
    assert.equal(errorCode(read.body), 'UNAUTHENTICATED');
    assert.equal(read.headers.get('cache-control'), 'no-store');
  });

  it('checkCsrf refuses a cross-site POST with 403 and lets same-origin and GET through', async () => {
    const { latchkey } = testLatchkey();
    const cookie = await register(latchkey);
    const forged = webRequest('POST', '/api/notes', { cookie, json: {}, headers: CROSS_SITE });
    const refused = await checkCsrf(latchkey, forged);
    assert.ok(refused !== null);
    const read = await readResponse(refused);
    assert.equal(read.status, 403);
    assert.equal(errorCode(read.body), 'CSRF_CROSS_SITE');

    const own = webRequest('POST', '/api/notes', { cookie, json: {}, headers: { origin: ORIGIN } });
    assert.equal(await checkCsrf(latchkey, own), null);
    assert.equal(await checkCsrf(latchkey, webRequest('GET', '/api/notes', { cookie })), null);
  });

  it('checkCsrf reads each request with its own options, whatever came before', async () => {
    const { latchkey } = testLatchkey();
    // Behind a proxy that names the site in X-Forwarded-Host, the site's own origin is that one.
    const headers = { origin: 'https://app.example.com', 'x-forwarded-host': 'app.example.com' };
    const request = () => new Request('https://127.0.0.1:3000/x', { method: 'POST', headers });
    const viaProxy = { clientAddress: '127.0.0.1', trustProxy: ['127.0.0.1'] };
    const statusWith = async (options: object) => {
      const refused = await checkCsrf(latchkey, request(), { ...viaProxy, ...options });
      return refused === null ? 'allowed' : (await readResponse(refused)).status;
    };
    assert.equal(await statusWith({}), 403);
    assert.equal(await statusWith({ trustForwardedHost: true }), 'allowed');
    assert.equal(await statusWith({ trustForwardedHost: true, schemeFromUrl: false }), 403);
    assert.equal(await statusWith({}), 403);
  });

  it('shared-cache session leak: withRenewal makes a public response no-store', async () => {
    const { latchkey } = testLatchkey({ session: { renewalIntervalSeconds: 0 } });
    const cookie = await register(latchkey);
    const auth = await getAuth(latchkey, webRequest('GET', '/x', { cookie }));
    assert.ok(auth?.setCookie != null);
    for (const cacheControl of ['public, max-age=300', 's-maxage=60', 'no-cache']) {
      const page = new Response('<h1>Welcome</h1>', { headers: { 'cache-control': cacheControl } });
      assert.equal(withRenewal(page, auth).headers.get('cache-control'), 'no-store', cacheControl);
    }
    const page = new Response('ok', { headers: { 'cache-control': 'public, max-age=300' } });
    const kept = withRenewal(page, { ...auth, setCookie: null });
    assert.equal(kept.headers.get('cache-control'), 'public, max-age=300', 'no cookie: as it was');
  });

  it("withRenewal adds the renewed cookie beside the application's own and no-store, even to a fetched response", async () => {
    const { latchkey } = testLatchkey({ session: { renewalIntervalSeconds: 0 } });
    const cookie = await register(latchkey);
    const auth = await getAuth(latchkey, webRequest('GET', '/x', { cookie }));
    assert.ok(auth?.setCookie != null);

    const own = new Response('ok', { headers: [['Set-Cookie', 'theme=dark']] });
    const renewed = withRenewal(own, auth);
    const names = renewed.headers.getSetCookie().map((line) => line.split('=', 1)[0]);
    assert.deepEqual(names, ['theme', '__Host-auth_token']);
    assert.equal(renewed.headers.getSetCookie()[1]?.split(';', 1)[0], cookie, 'the same session');
    assert.equal(renewed.headers.get('cache-control'), 'no-store');
    const cached = new Response('ok', { headers: { 'cache-control': 'private, max-age=60' } });
    assert.equal(withRenewal(cached, auth).headers.get('cache-control'), 'private, max-age=60');

    // A response from fetch() has immutable headers; a data: URL needs no network.
    const immutable = await fetch('data:text/plain,fetched');
    assert.throws(() => {
      immutable.headers.append('x-test', '1');
    }, TypeError);
    const copy = withRenewal(immutable, auth);
    assert.equal(copy.headers.getSetCookie().length, 1);
    assert.equal(await copy.text(), 'fetched');
    assert.equal(withRenewal(own, null), own);
  });

  it('a store outage is a 503 from requireUser, checkCsrf and the routes, and a throw from getAuth', async () => {
    const flaky = flakySessionStore();
    const { latchkey } = testLatchkey({ sessionStore: flaky.store });
    const cookie = await register(latchkey);
    flaky.setDown(true);

    const guard = await requireUser(latchkey, webRequest('GET', '/x', { cookie }));
    assert.ok(guard instanceof Response);
    assert.equal(guard.status, 503);
    assert.equal(errorCode((await readResponse(guard)).body), 'STORE_UNAVAILABLE');
    await assert.rejects(getAuth(latchkey, webRequest('GET', '/x', { cookie })), {
      code: 'STORE_UNAVAILABLE',
    });
    const csrf = await checkCsrf(latchkey, webRequest('POST', '/x', { cookie }));
    assert.equal(csrf?.status, 503);
    const route = await createFetchHandler(latchkey)(
      webRequest('GET', '/auth/session', { cookie }),
    );
    assert.equal(route?.status, 503);
  });
});
