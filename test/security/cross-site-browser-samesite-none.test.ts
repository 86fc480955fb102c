import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startAttackerSite } from '../support/attacker-site.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { errorCode, startTestServer } from '../support/server.js';
import { loginUser, sessionStatus } from '../support/users.js';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AttackerSite } from '../support/attacker-site.js';
import type { TestServer } from '../support/server.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const EMAIL = 'none-victim@example.com';
const PASSWORD = 'correct horse battery staple';

// With SameSite=None the browser attaches the session cookie to cross-site requests, so
// SameSite no longer helps: these tests prove that the CSRF check alone stops the attack.
describe(
  'cross-site requests in Chromium with SameSite=None: the CSRF check alone',
  { skip },
  () => {
    let app: TestServer;
    let attacker: AttackerSite;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let otherDevice = '';

    const browserCookie = async (): Promise<string> => {
      const cookie = (await context.cookies(app.url)).find((c) => c.name === '__Host-auth_token');
      assert.ok(cookie, 'the browser holds a session cookie');
      assert.equal(cookie.sameSite, 'None');
      return `${cookie.name}=${cookie.value}`;
    };

    before(async () => {
      app = await startTestServer({ env: { LATCHKEY_COOKIE_SAMESITE: 'None' } });
      attacker = await startAttackerSite(app.url);
      browser = await launchChromium('path' in found ? found.path : '');
      context = await browser.newContext();
      page = await context.newPage();
      await page.goto(`${app.url}/`, { timeout: 15_000 });
      const status = await page.evaluate(
        async ([email, password]) =>
          (
            await fetch('/auth/register', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email, password }),
            })
          ).status,
        [EMAIL, PASSWORD],
      );
      assert.equal(status, 201);
      otherDevice = (await loginUser(app.url, EMAIL)).cookie;
    });

    after(async () => {
      await browser.close();
      await attacker.close();
      await app.close();
    });

    it('a cross-site form POST carrying the cookie is refused with 403', async () => {
      for (const path of ['/auth/logout', '/auth/logout-others']) {
        const [response] = await Promise.all([
          page.waitForResponse(
            (r) => r.url() === new URL(path, app.url).href && r.request().method() === 'POST',
            { timeout: 15_000 },
          ),
          page.goto(`${attacker.url}/?target=${encodeURIComponent(path)}`, { timeout: 15_000 }),
        ]);
        const headers = await response.request().allHeaders();
        assert.match(headers.cookie ?? '', /__Host-auth_token=/, 'the cookie was sent');
        assert.equal(response.status(), 403, path);
        assert.equal(errorCode(await response.json()), 'CSRF_CROSS_SITE', path);
      }
      assert.equal(await sessionStatus(app.url, await browserCookie()), 200);
      assert.equal(await sessionStatus(app.url, otherDevice), 200);
    });

    it('a credentialed cross-site fetch to POST /auth/logout-others is refused with 403', async () => {
      await page.goto(`${attacker.url}/`, { timeout: 15_000 });
      const url = new URL('/auth/logout-others', app.url).href;
      const logged = app.logs.length;
      const [request, outcome] = await Promise.all([
        page.waitForRequest((r) => r.url() === url && r.method() === 'POST', { timeout: 15_000 }),
        page.evaluate(async (target) => {
          try {
            const response = await fetch(target, { method: 'POST', credentials: 'include' });
            return `read ${response.status}`;
          } catch (error) {
            return `blocked: ${String(error)}`;
          }
        }, url),
      ]);
      const sent = /__Host-auth_token=/.test((await request.allHeaders()).cookie ?? '');
      console.log(
        `SameSite=None cross-site fetch: the browser ${sent ? 'sent' : 'withheld'} the cookie`,
      );
      assert.match(outcome, /^blocked: TypeError/);
      const line = app.logs
        .slice(logged)
        .find((entry) => entry.event === 'http.request' && entry.path === '/auth/logout-others');
      assert.equal(line?.status, 403);
      assert.equal(await sessionStatus(app.url, otherDevice), 200);
      assert.equal(await sessionStatus(app.url, await browserCookie()), 200);
    });
  },
);
