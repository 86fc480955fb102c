import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { ManualClock } from './clock.js';
import { freePort } from './processes.js';
import { cookiePair, send, startTestServer } from './server.js';

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GuardingProxy } from './proxy.js';
import type { TestServer } from './server.js';

const PASSWORD = 'correct horse battery staple';

/** The Cache-Control directives of a response, in order of name. */
function directives(response: { headers: Headers }): string[] {
  return (response.headers.get('cache-control') ?? '').split(/,\s*/).sort();
}

/** What the guarded application saw of one request. */
interface Seen {
  method: string;
  url: string;
  userId: string | undefined;
  userEmail: string | undefined;
  /** Every header name holding "latchkey", in any spelling, lowercased and sorted. */
  latchkeyHeaders: string[];
  body: string;
}

/**
 * The tests of a real proxy guarding an application with `GET /auth/verify`, as the README
 * configures it: the same attacks, whichever proxy (nginx, Caddy) stands in front. `env` is
 * added to the Latchkey server's, given the site's origin (the proxy's URL).
 */
export function describeGuardingProxy(
  title: string,
  found: { path: string } | { skip: string },
  start: (
    path: string,
    options: { latchkeyUrl: string; appUrl: string; port: number },
  ) => Promise<GuardingProxy>,
  env: (site: string) => Record<string, string> = () => ({}),
): void {
  describe(title, 'skip' in found ? { skip: found.skip } : {}, () => {
    const clock = new ManualClock(Date.now());
    const seen: Seen[] = [];
    let app: Server;
    let latchkey: TestServer;
    let proxy: GuardingProxy;
    let counter = 0;

    before(async () => {
      if (!('path' in found)) return;
      app = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          const header = (name: string) => request.headers[name] as string | undefined;
          seen.push({
            method: request.method ?? '',
            url: request.url ?? '',
            userId: header('x-latchkey-user-id'),
            userEmail: header('x-latchkey-user-email'),
            latchkeyHeaders: request.rawHeaders
              .filter((_, index) => index % 2 === 0)
              .map((name) => name.toLowerCase())
              .filter((name) => name.includes('latchkey'))
              .sort(),
            body,
          });
          // Two Cache-Control lines on /private: one list, RFC 9110 section 5.3.
          const caching =
            request.url === '/private' ? ['max-age=3600', 'private'] : 'public, max-age=86400';
          response.setHeader('cache-control', caching);
          response
            .writeHead(request.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' })
            .end('from the app');
        });
      });
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      const appPort = (app.address() as AddressInfo).port;
      // As the README runs it: the site's origin given, proxy's address trusted for the client's.
      const port = await freePort();
      const site = `http://127.0.0.1:${String(port)}`;
      latchkey = await startTestServer({
        clock: clock.now,
        env: { LATCHKEY_ORIGIN: site, LATCHKEY_TRUST_PROXY: '127.0.0.1', ...env(site) },
      });
      proxy = await start(found.path, {
        latchkeyUrl: latchkey.url,
        appUrl: `http://127.0.0.1:${appPort}`,
        port,
      });
    });
    after(async () => {
      await proxy.close();
      await latchkey.close();
      await new Promise((resolve) => app.close(resolve));
    });

    // Logs in through the proxy, as a browser on the guarded site would.
    const logIn = async () => {
      const email = `guarded${++counter}@example.com`;
      const response = await send(proxy.url, 'POST', '/auth/register', {
        json: { email, password: PASSWORD },
        headers: { origin: proxy.url, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(response.status, 201, `${response.text}\n${proxy.errorLog()}`);
      const body = response.body as { user: { id: string } };
      return { email, id: body.user.id, cookie: cookiePair(response.setCookies[0]) };
    };

    it('an anonymous request never reaches the guarded app: the proxy answers 401', async () => {
      const before = seen.length;
      const response = await send(proxy.url, 'GET', '/reports/2026');
      assert.equal(response.status, 401, proxy.errorLog());
      assert.equal(seen.length, before);
    });

    it('a logged-in request reaches the app with the user the proxy names, no other', async () => {
      const { email, id, cookie } = await logIn();
      // With underscores too: PHP (through FastCGI) reads X_Latchkey_User_Id as the same name.
      const response = await send(proxy.url, 'GET', '/reports/2026?page=2', {
        cookie,
        headers: {
          'x-latchkey-user-email': 'admin@example.com',
          'x-latchkey-user-id': 'x',
          x_latchkey_user_id: 'x',
          'x-latchkey_user-email': 'admin@example.com',
        },
      });
      assert.equal(response.status, 200, proxy.errorLog());
      assert.equal(response.text, 'from the app');
      assert.deepEqual(seen.at(-1), {
        method: 'GET',
        url: '/reports/2026?page=2',
        userId: id,
        userEmail: email,
        latchkeyHeaders: ['x-latchkey-user-email', 'x-latchkey-user-id'],
        body: '',
      });
    });

    it('path traversal into the unguarded login page reaches that page only', async () => {
      const before = seen.length;
      const response = await send(proxy.url, 'GET', '/api/users/..%2F..%2Flogin.html');
      assert.equal(response.status, 200, proxy.errorLog());
      assert.equal(seen.length, before + 1);
      assert.equal(seen.at(-1)?.url, '/login.html');
      assert.equal(seen.at(-1)?.userId, undefined);
    });

    it('header spoofing into an unguarded page: the app is told of no user', async () => {
      const response = await send(proxy.url, 'GET', '/login.html', {
        headers: {
          'x-latchkey-user-id': 'admin',
          x_latchkey_user_email: 'admin@example.com',
        },
      });
      assert.equal(response.status, 200, proxy.errorLog());
      assert.equal(seen.at(-1)?.url, '/login.html');
      assert.deepEqual(seen.at(-1)?.latchkeyHeaders, []);
    });

    it('header spoofing: an anonymous request naming a user in X-Latchkey-* gets 401', async () => {
      const before = seen.length;
      const response = await send(proxy.url, 'GET', '/reports/2026', {
        headers: { 'x-latchkey-user-email': 'admin@example.com', 'x-latchkey-user-id': 'x' },
      });
      assert.equal(response.status, 401);
      assert.equal(seen.length, before);
    });

    it("a location of the site's own (static files by extension) is guarded too", async () => {
      const before = seen.length;
      const spoofed = { 'x-latchkey-user-email': 'admin@example.com', 'x-latchkey-user-id': 'x' };
      const anonymous = await send(proxy.url, 'GET', '/static/app.js', { headers: spoofed });
      assert.equal(anonymous.status, 401);
      assert.equal(seen.length, before);

      const { email, id, cookie } = await logIn();
      const response = await send(proxy.url, 'GET', '/static/app.js', { cookie, headers: spoofed });
      assert.equal(response.status, 200, proxy.errorLog());
      assert.equal(seen.at(-1)?.userId, id);
      assert.equal(seen.at(-1)?.userEmail, email);
    });

    it('address spoofing via the proxy: the real client counts, not X-Forwarded-For', async () => {
      const failed = await send(proxy.url, 'POST', '/auth/login', {
        json: { email: 'nobody@example.com', password: PASSWORD },
        headers: { origin: proxy.url, 'x-forwarded-for': '203.0.113.9' },
      });
      assert.equal(failed.status, 401, failed.text);
      const logins = latchkey.logs.filter(
        (line) => line.event === 'http.request' && line.path === '/auth/login',
      );
      assert.ok(logins.length > 0);
      assert.ok(logins.every((line) => line.client === '127.0.0.1'));
      assert.doesNotMatch(latchkey.rawLog(), /203\.0\.113\.9/);
    });

    it('forgery through the proxy: a cross-site POST is refused, unseen by the app', async () => {
      const { cookie } = await logIn();
      const before = seen.length;
      const forged = await send(proxy.url, 'POST', '/transfer', {
        cookie,
        form: { to: 'attacker', amount: '1000' },
        headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(forged.status, 403, proxy.errorLog());
      assert.equal(seen.length, before);

      const own = await send(proxy.url, 'POST', '/transfer', {
        cookie,
        form: { to: 'landlord', amount: '700' },
        headers: { origin: proxy.url, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(own.status, 200, proxy.errorLog());
      assert.equal(seen.at(-1)?.method, 'POST');
      assert.equal(seen.at(-1)?.body, 'to=landlord&amount=700');
    });

    it('forgery from a browser without Fetch Metadata: the Origin must be the site', async () => {
      const { cookie } = await logIn();
      const before = seen.length;
      const forged = await send(proxy.url, 'DELETE', '/reports/2026', {
        cookie,
        headers: { origin: 'https://attacker.example' },
      });
      assert.equal(forged.status, 403, proxy.errorLog());
      assert.equal(seen.length, before);

      const own = await send(proxy.url, 'DELETE', '/reports/2026', {
        cookie,
        headers: { origin: proxy.url },
      });
      assert.equal(own.status, 200, `${own.text}\n${proxy.errorLog()}`);
      assert.equal(seen.at(-1)?.method, 'DELETE');
    });

    it('a session logged out at Latchkey is refused by the proxy at once', async () => {
      const { cookie } = await logIn();
      assert.equal((await send(proxy.url, 'GET', '/reports', { cookie })).status, 200);
      const session = await send(proxy.url, 'GET', '/auth/session', { cookie });
      const { csrfToken } = session.body as { csrfToken: string };
      const logout = await send(proxy.url, 'POST', '/auth/logout', {
        cookie,
        headers: { 'x-csrf-token': csrfToken },
      });
      assert.equal(logout.status, 200, logout.text);
      const before = seen.length;
      const after = await send(proxy.url, 'GET', '/reports', { cookie });
      assert.equal(after.status, 401);
      assert.equal(seen.length, before);
    });

    it('passes the renewed session cookie on to the browser', async () => {
      const { cookie } = await logIn();
      clock.advanceSeconds(3_600);
      const response = await send(proxy.url, 'GET', '/reports', { cookie });
      assert.equal(response.status, 200);
      assert.equal(response.setCookies.length, 1, proxy.errorLog());
      assert.equal(cookiePair(response.setCookies[0]), cookie);
      assert.match(response.setCookies[0] ?? '', /; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
      // Shared-cache session leak: no-store rides along with the cookie.
      // The app's directives kept, no-store added (before or after them: either reads the same).
      assert.deepEqual(directives(response), ['max-age=86400', 'no-store', 'public']);
      assert.equal(response.headers.get('cdn-cache-control'), 'no-store');
      assert.equal(response.headers.get('surrogate-control'), 'no-store');
      const next = await send(proxy.url, 'GET', '/reports', { cookie });
      assert.deepEqual(next.setCookies, []);
      assert.equal(next.headers.get('cache-control'), 'public, max-age=86400');
      assert.equal(next.headers.get('cdn-cache-control'), null);
      // The app's directives over two lines all reach the browser (private too).
      const split = await send(proxy.url, 'GET', '/private', { cookie });
      assert.equal(split.headers.get('cache-control'), 'max-age=3600, private');

      // On an error answer of the app's too: the renewal is not lost.
      clock.advanceSeconds(3_600);
      const missing = await send(proxy.url, 'GET', '/missing', { cookie });
      assert.equal(missing.status, 404);
      assert.equal(cookiePair(missing.setCookies[0]), cookie);
      assert.ok(directives(missing).includes('no-store'), proxy.errorLog());
    });
  });
}
