import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startAttackerSite } from '../support/attacker-site.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { errorCode, startTestServer } from '../support/server.js';
import { loginUser, sessionStatus } from '../support/users.js';

import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import type { AttackerSite } from '../support/attacker-site.js';
import type { TestServer } from '../support/server.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const EMAIL = 'browser-victim@example.com';
const PASSWORD = 'correct horse battery staple';

describe('cross-site requests in a real browser (Chromium)', { skip }, () => {
  let app: TestServer;
  let attacker: AttackerSite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let otherDevice = '';

  /** The browser's session cookie as a Cookie header pair. */
  const browserCookie = async (): Promise<string> => {
    const cookie = (await context.cookies(app.url)).find((c) => c.name === '__Host-auth_token');
    assert.ok(cookie, 'the browser holds a session cookie');
    return `${cookie.name}=${cookie.value}`;
  };

  /** Waits for the response to `method path` on the app while `action` runs. */
  const responseTo = async (method: string, path: string, action: () => Promise<unknown>) => {
    const [response] = await Promise.all([
      page.waitForResponse(
        (r: Response) =>
          r.url().startsWith(app.url) &&
          new URL(r.url()).pathname === path &&
          r.request().method() === method,
        { timeout: 15_000 },
      ),
      action(),
    ]);
    return response;
  };

  before(async () => {
    app = await startTestServer();
    attacker = await startAttackerSite(app.url);
    browser = await launchChromium('path' in found ? found.path : '');
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${app.url}/`);
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

  for (const path of ['/auth/logout', '/auth/logout-others']) {
    it(`an auto-submitted cross-site form POST to ${path} fails and the sessions stay live`, async () => {
      const response = await responseTo('POST', path, () =>
        page.goto(`${attacker.url}/?target=${encodeURIComponent(path)}`, { timeout: 15_000 }),
      );
      const headers = await response.request().allHeaders();
      assert.equal(headers.cookie, undefined, 'SameSite=Lax kept the cookie off the POST');
      assert.equal(headers['sec-fetch-site'], 'cross-site');
      assert.equal(response.status(), 403);
      assert.equal(errorCode(await response.json()), 'CSRF_CROSS_SITE');
      assert.equal(await sessionStatus(app.url, await browserCookie()), 200);
      assert.equal(await sessionStatus(app.url, otherDevice), 200);
    });
  }

  it('a credentialed cross-site fetch fails: POST /auth/logout-others and GET /auth/sessions', async () => {
    await page.goto(`${attacker.url}/`, { timeout: 15_000 });
    const attempt = (method: string, path: string) =>
      page.evaluate(
        async ({ url, verb }) => {
          try {
            const response = await fetch(url, { method: verb, credentials: 'include' });
            return `read ${response.status} ${await response.text()}`;
          } catch (error) {
            return `blocked: ${String(error)}`;
          }
        },
        { url: new URL(path, app.url).href, verb: method },
      );
    for (const [method, path, status] of [
      ['POST', '/auth/logout-others', 403],
      ['GET', '/auth/sessions', 401],
    ] as const) {
      // Without CORS headers the browser fails the fetch, so Playwright reports no response:
      // the request it sent is read from the browser, the answer from the server's log.
      const logged = app.logs.length;
      const [request, outcome] = await Promise.all([
        page.waitForRequest(
          (r) => r.url() === new URL(path, app.url).href && r.method() === method,
          { timeout: 15_000 },
        ),
        attempt(method, path),
      ]);
      const headers = await request.allHeaders();
      assert.equal(headers.cookie, undefined, 'SameSite=Lax kept the cookie off the fetch');
      assert.match(outcome, /^blocked: TypeError/, 'the page could not read the answer');
      const line = app.logs
        .slice(logged)
        .find((entry) => entry.event === 'http.request' && entry.path === path);
      assert.equal(line?.method, method);
      assert.equal(line.status, status, `${method} ${path}`);
    }
    assert.equal(await sessionStatus(app.url, otherDevice), 200);
    assert.equal(await sessionStatus(app.url, await browserCookie()), 200);
  });

  it('the same actions from the server’s own page succeed', async () => {
    await page.goto(`${app.url}/`);
    const [sessions, others] = await page.evaluate(async () => {
      const list = await fetch('/auth/sessions');
      const ended = await fetch('/auth/logout-others', { method: 'POST' });
      return [list.status, ended.status];
    });
    assert.equal(sessions, 200);
    assert.equal(others, 200);
    assert.equal(await sessionStatus(app.url, otherDevice), 401);

    const cookie = await browserCookie();
    const response = await responseTo('POST', '/auth/logout', () =>
      page.evaluate(() => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = '/auth/logout';
        document.body.append(form);
        form.submit();
      }),
    );
    assert.equal(response.status(), 200);
    assert.equal(await sessionStatus(app.url, cookie), 401);
  });
});
