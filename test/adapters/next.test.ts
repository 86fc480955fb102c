import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { NextRequest } from 'next/server.js';

import {
  createNextHandlers,
  latchkeyNext,
  sharedInstance,
  withRenewal,
} from '../../src/http/next.js';
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

import type { LatchkeyNext, NextAuthHandlers } from '../../src/http/next.js';
import type { Listening, Observed } from './auth-route-parity.js';

/** A request as Next.js hands it to a route handler or to proxy.ts. */
function nextRequest(...args: Parameters<typeof webRequest>): NextRequest {
  return new NextRequest(webRequest(...args));
}

async function call(auth: LatchkeyNext, request: NextRequest) {
  const handler = auth.handlers[request.method as keyof NextAuthHandlers];
  return readResponse(await handler(request));
}

async function register(auth: LatchkeyNext): Promise<string> {
  const registered = await call(
    auth,
    nextRequest('POST', '/auth/register', {
      json: { email: 'ada@example.com', password: PASSWORD },
      headers: { origin: ORIGIN },
    }),
  );
  assert.equal(registered.status, 201);
  return sessionCookie(registered);
}

describe('latchkey/next', () => {
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('the route handlers register 201, log in "Login successful!", log out, then 401', async () => {
    const auth = latchkeyNext(testLatchkey().latchkey);
    await register(auth);
    const credentials = { email: 'ada@example.com', password: PASSWORD };
    const login = await call(
      auth,
      nextRequest('POST', '/auth/login', { json: credentials, headers: { origin: ORIGIN } }),
    );
    assert.equal(login.status, 200);
    assert.equal((login.body as { message: string }).message, 'Login successful!');
    const cookie = sessionCookie(login);
    const session = await call(auth, nextRequest('GET', '/auth/session', { cookie }));
    assert.equal((session.body as { user: { email: string } }).user.email, 'ada@example.com');

    const logout = await call(
      auth,
      nextRequest('POST', '/auth/logout', { cookie, headers: { origin: ORIGIN } }),
    );
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
    const after = await call(auth, nextRequest('GET', '/auth/session', { cookie }));
    assert.equal(after.status, 401);
    assert.equal(errorCode(after.body), 'UNAUTHENTICATED');
  });

  it('the route handlers answer exactly as the standalone server does', async () => {
    const handlers = createNextHandlers(testLatchkey().latchkey);
    // Next.js builds its NextRequest from the node:http request, as this bridge does.
    const server = await listenFetch((request) => {
      const body = request.method === 'GET' || request.method === 'HEAD' ? null : request.body;
      const init = { method: request.method, headers: request.headers, body, duplex: 'half' };
      const next = new NextRequest(
        request.url,
        init as ConstructorParameters<typeof NextRequest>[1],
      );
      return handlers[request.method as keyof NextAuthHandlers](next);
    });
    const reference = await startReferenceServer();
    servers.push(server, reference);
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

  it('requireUser gives the session and user or the 401 Response; getSession gives null', async () => {
    const auth = latchkeyNext(testLatchkey().latchkey);
    const cookie = await register(auth);
    const allowed = await auth.requireUser(nextRequest('GET', '/api/secure-data', { cookie }));
    assert.ok(!(allowed instanceof Response));
    assert.equal(allowed.user.email, 'ada@example.com');

    const refused = await auth.requireUser(nextRequest('GET', '/api/secure-data'));
    assert.ok(refused instanceof Response);
    const read = await readResponse(refused);
    assert.equal(read.status, 401);
    assert.equal(errorCode(read.body), 'UNAUTHENTICATED');
    assert.equal(await auth.getSession(nextRequest('GET', '/api/secure-data')), null);
    const session = await auth.getSession(nextRequest('GET', '/', { cookie }));
    assert.equal(session?.session.id, allowed.session.id);
  });

  it('proxy refuses a cross-site POST to any path with 403 and lets the rest go on', async () => {
    const auth = latchkeyNext(testLatchkey().latchkey);
    const cookie = await register(auth);
    const forged = await auth.proxy(
      nextRequest('POST', '/api/notes', { json: {}, cookie, headers: CROSS_SITE }),
    );
    assert.ok(forged !== undefined);
    const read = await readResponse(forged);
    assert.equal(read.status, 403);
    assert.equal(errorCode(read.body), 'CSRF_CROSS_SITE');

    const own = nextRequest('POST', '/api/notes', {
      json: {},
      cookie,
      headers: { origin: ORIGIN },
    });
    assert.equal(await auth.proxy(own), undefined);
    assert.equal(await auth.proxy(nextRequest('GET', '/api/notes', { cookie })), undefined);
    assert.deepEqual(await own.json(), {}, 'the body is left for the route handler');
  });

  it('withRenewal puts the renewed session cookie on the route handler response', async () => {
    const auth = latchkeyNext(testLatchkey({ session: { renewalIntervalSeconds: 0 } }).latchkey);
    const cookie = await register(auth);
    const current = await auth.requireUser(nextRequest('GET', '/api/secure-data', { cookie }));
    assert.ok(!(current instanceof Response));
    const response = withRenewal(Response.json({ ok: true }), current);
    assert.equal(response.headers.getSetCookie()[0]?.split(';', 1)[0], cookie);
  });

  it('opens the instance on the first request, not when a route module is imported', async () => {
    let opened = 0;
    const auth = latchkeyNext(() => {
      opened += 1;
      return testLatchkey().latchkey;
    });
    assert.equal(opened, 0);
    await call(auth, nextRequest('GET', '/auth/session'));
    await auth.getSession(nextRequest('GET', '/'));
    assert.equal(opened, 1);
  });

  it('sharedInstance makes one value per key per process, as next dev reloads modules', () => {
    let made = 0;
    const make = () => ({ made: ++made });
    const key = `test-${process.pid}-${Date.now()}`;
    const first = sharedInstance(key, make);
    assert.equal(sharedInstance(key, make), first);
    assert.notEqual(sharedInstance(`${key}-other`, make), first);
    assert.equal(made, 2);
  });

  it('a route file outside the routes prefix answers 404 NOT_FOUND', async () => {
    const auth = latchkeyNext(testLatchkey().latchkey);
    const response = await call(auth, nextRequest('GET', '/api/auth/session'));
    assert.equal(response.status, 404);
    assert.equal(errorCode(response.body), 'NOT_FOUND');
  });

  it('a store outage is a 503 from requireUser, the proxy and the routes; getSession throws', async () => {
    const flaky = flakySessionStore();
    const auth = latchkeyNext(testLatchkey({ sessionStore: flaky.store }).latchkey);
    const cookie = await register(auth);
    flaky.setDown(true);
    const guard = await auth.requireUser(nextRequest('GET', '/x', { cookie }));
    assert.ok(guard instanceof Response);
    assert.equal(guard.status, 503);
    await assert.rejects(auth.getSession(nextRequest('GET', '/x', { cookie })), {
      code: 'STORE_UNAVAILABLE',
    });
    assert.equal((await auth.proxy(nextRequest('POST', '/x', { cookie })))?.status, 503);
    assert.equal((await call(auth, nextRequest('GET', '/auth/session', { cookie }))).status, 503);
  });
});
