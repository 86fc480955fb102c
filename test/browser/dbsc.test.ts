// Device Bound Session Credentials in a real browser: Debian's Chromium, with DBSC turned on
// (software keys, as its manual-testing feature allows), against Latchkey's own server over
// HTTPS with its development certificate pinned by SPKI hash.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { chromium } from 'playwright-core';

import { BINDING_GRACE_MS } from '../../src/http/authenticate.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js';

import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/serve.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;

// Long enough to see a request succeed on a fresh cookie, short enough for the test to wait
// for it to expire. Chromium refreshes early once under ~120 s are left, and signs at most 5
// refreshes per session every ~8 minutes: the test makes few requests.
const BOUND_COOKIE_SECONDS = 20;
const PASSWORD = 'correct horse battery staple';

interface DbscEvent {
  succeeded: boolean;
  sessionId?: string;
  creationEventDetails?: { fetchResult: string };
  refreshEventDetails?: { refreshResult: string; fetchResult?: string };
  terminationEventDetails?: unknown;
  challengeEventDetails?: unknown;
}

/** A request from outside the browser: a thief holding copied cookies. */
function plainGet(url: string, ca: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(url, { ca, headers: { cookie }, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
      });
    });
    outgoing.on('error', reject);
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.end();
  });
}

describe(
  'DBSC in Chromium: a copied cookie stops working, the browser carries on',
  { skip },
  () => {
    let server: RunningServer;
    let dataDir: string;
    let profileDir: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let cdp: CDPSession;
    let ca: string;
    const events: DbscEvent[] = [];
    let registeredAt = 0;
    const logLines: string[] = [];

    const logged = (event: string) =>
      logLines
        .map((line) => JSON.parse(line) as { event: string })
        .filter((l) => l.event === event);

    async function waitFor<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    }

    const callApi = (path: string) =>
      page.evaluate(async (target) => {
        const response = await fetch(target, { credentials: 'same-origin' });
        return { status: response.status, body: await response.text() };
      }, path);

    const cookieNamed = async (name: string) =>
      (await context.cookies(server.url)).find((cookie) => cookie.name === name);

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-dbsc-'));
      profileDir = mkdtempSync(join(tmpdir(), 'latchkey-dbsc-profile-'));
      const config = resolveServerConfig({
        flags: { port: '0', host: '127.0.0.1', 'data-dir': dataDir, 'dev-cert': true, dbsc: true },
        env: { LATCHKEY_DBSC_COOKIE_SECONDS: String(BOUND_COOKIE_SECONDS) },
      });
      server = await startServer(config, {
        logger: createJsonLogger({ write: (line) => logLines.push(line) }),
      });
      assert.ok(server.certificate);
      ca = readFileSync(server.certificate.certFile, 'utf8');
      browser = await chromium.launch({
        executablePath: 'path' in found ? found.path : '',
        headless: true,
        // Playwright's own --enable-features/--disable-features lists would replace these.
        ignoreDefaultArgs: true,
        args: [
          ...CHROMIUM_ARGS,
          '--enable-features=DeviceBoundSessions,EnableBoundSessionCredentialsSoftwareKeysForManualTesting',
          '--disable-features=DeviceBoundSessionsRefreshQuota',
          `--ignore-certificate-errors-spki-list=${server.certificate.spkiSha256Base64}`,
          `--user-data-dir=${profileDir}`,
          '--remote-debugging-pipe',
          '--no-startup-window',
        ],
      });
      context = await browser.newContext();
      page = await context.newPage();
      cdp = await context.newCDPSession(page);
      cdp.on('Network.deviceBoundSessionEventOccurred', (event: DbscEvent) => events.push(event));
      await cdp.send('Network.enable');
      await cdp.send('Network.enableDeviceBoundSessions', { enable: true });
    });

    after(async () => {
      await browser.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profileDir, { recursive: true, force: true });
    });

    it('registers a key at login: the session is bound, over HTTPS, through the DevTools events and the log', async () => {
      await page.goto(`${server.url}/`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/register'),
        page.evaluate(
          async ({ password }) => {
            await fetch('/auth/register', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email: 'bound@example.com', password }),
            });
          },
          { password: PASSWORD },
        ),
      ]);
      assert.equal(response.status(), 201);
      assert.match(
        (await response.allHeaders())['secure-session-registration'] ?? '',
        /^\(ES256 RS256\);path="dbsc\/register";challenge="[^"]+";authorization="[^"]+"$/,
      );
      const created = await waitFor('the DBSC session to be created', () =>
        events.find((event) => event.creationEventDetails !== undefined),
      );
      assert.equal(created.succeeded, true, JSON.stringify(created));
      assert.equal(created.creationEventDetails?.fetchResult, 'Success');
      await waitFor('dbsc.registered in the log', () => logged('dbsc.registered')[0]);
      registeredAt = Date.now();

      const session = await callApi('/auth/session');
      assert.equal(session.status, 200);
      assert.equal(
        (JSON.parse(session.body) as { session: { deviceBound: boolean } }).session.deviceBound,
        true,
      );
      const bound = await cookieNamed('__Host-auth_bound');
      assert.ok(bound, 'the bound cookie is set');
      assert.equal(bound.httpOnly, true);
      assert.equal(bound.secure, true);
      assert.equal(await page.evaluate(() => document.cookie), '');
    });

    it('a stolen session cookie alone is refused; with a fresh bound cookie it works only until that expires', async () => {
      // Right after registration the token passes alone for a few seconds (the browser stores
      // the first bound cookie a moment after the answer): the theft comes later.
      await sleep(Math.max(0, registeredAt + BINDING_GRACE_MS + 500 - Date.now()));
      const token = await cookieNamed('__Host-auth_token');
      const bound = await cookieNamed('__Host-auth_bound');
      assert.ok(token && bound);
      const url = `${server.url}/api/secure-data`;
      assert.equal(await plainGet(url, ca, `${token.name}=${token.value}`), 401);
      const stolen = `${token.name}=${token.value}; ${bound.name}=${bound.value}`;
      const expiresInMs = bound.expires * 1000 - Date.now();
      if (expiresInMs > 1500) assert.equal(await plainGet(url, ca, stolen), 200);
      await sleep(Math.max(0, expiresInMs) + 1500);
      assert.equal(await plainGet(url, ca, stolen), 401, 'the copied cookies stopped working');
    });

    it('the browser carries on: its request waits for a refresh, proven with its key, and succeeds', async () => {
      const refreshesBefore = logged('dbsc.refreshed').length;
      const before = await cookieNamed('__Host-auth_bound');
      const data = await callApi('/api/secure-data');
      assert.equal(data.status, 200, data.body);
      assert.match(data.body, /This is protected data/);
      await waitFor('a successful refresh event', () =>
        events.find((event) => event.refreshEventDetails?.refreshResult === 'Refreshed'),
      );
      assert.ok(logged('dbsc.refreshed').length > refreshesBefore, 'the server saw a refresh');
      const after = await cookieNamed('__Host-auth_bound');
      assert.ok(after);
      assert.notEqual(after.value, before?.value);
      assert.equal(logged('dbsc.refused').length, 0);
      assert.equal(logged('session.bound_cookie_missing').length, 2, 'only the thief was refused');
    });

    it('logout ends the DBSC session in the browser too', async () => {
      const out = await page.evaluate(async () => {
        const session = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
        const response = await fetch('/auth/logout', {
          method: 'POST',
          headers: { 'x-csrf-token': session.csrfToken },
        });
        return response.status;
      });
      assert.equal(out, 200);
      const data = await callApi('/api/secure-data');
      assert.equal(data.status, 401);
      // The browser asked to refresh the ended session and was told to stop.
      await waitFor('dbsc.ended in the log', () => logged('dbsc.ended')[0]);
    });
  },
);
