import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { DATABASE_FILE } from '../../src/server/serve.js';
import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { demoInChromium } from '../support/demo-in-chromium.js';
import { send, startTestServer } from '../support/server.js';

import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../support/server.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;

describe('the demo page in a real browser (Chromium)', { skip }, () => {
  const demo = demoInChromium('path' in found ? found.path : '');

  const sessionCookie = async () => {
    const cookies = await demo.page.context().cookies(demo.server.url);
    return cookies.find((cookie) => cookie.name === '__Host-auth_token');
  };

  const click = async (selector: string, path: string, method = 'GET') => {
    const [response] = await Promise.all([
      demo.page.waitForResponse(
        (candidate) =>
          new URL(candidate.url()).pathname === path && candidate.request().method() === method,
      ),
      demo.page.click(selector),
    ]);
    return response;
  };

  it('registers through the page and the browser stores an HttpOnly, Secure, SameSite cookie', async () => {
    await demo.page.goto(`${demo.server.url}/`);
    await demo.page.fill('#email', 'browser@example.com');
    await demo.page.fill('#password', 'correct horse battery staple');
    const response = await click('#register', '/auth/register', 'POST');
    assert.equal(response.status(), 201);

    const cookie = await sessionCookie();
    assert.ok(cookie, 'the browser kept the session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
  });

  it('XSS cannot read the session: document.cookie does not contain the token', async () => {
    const cookie = await sessionCookie();
    assert.ok(cookie);
    const visible = await demo.page.evaluate(() => document.cookie);
    assert.equal(visible, '');
    assert.equal(visible.includes(cookie.value), false);
    await demo.page.waitForFunction(
      () => document.getElementById('document-cookie')?.textContent === '""',
    );
  });

  it('logs out and logs in again through the page', async () => {
    await demo.page.waitForSelector('#logout', { state: 'visible' });
    assert.equal((await click('#logout', '/auth/logout', 'POST')).status(), 200);
    assert.equal(await sessionCookie(), undefined, 'the cookie was cleared');

    await demo.page.waitForSelector('#login', { state: 'visible' });
    await demo.page.fill('#email', 'browser@example.com');
    await demo.page.fill('#password', 'correct horse battery staple');
    const response = await click('#login', '/auth/login', 'POST');
    assert.equal(response.status(), 200);
    const body = (await response.json()) as { message: string };
    assert.equal(body.message, 'Login successful!');
    assert.equal(await demo.page.evaluate(() => document.cookie), '');
  });

  it('shows the user’s sessions, the current one marked', async () => {
    await demo.page.waitForFunction(() =>
      Array.from(document.querySelectorAll('#sessions li')).some((item) =>
        item.textContent.includes('(this one)'),
      ),
    );
    const text = await demo.page.evaluate(() => document.getElementById('sessions')?.textContent);
    assert.match(text ?? '', /Chrome on Linux/);
  });

  it('the page’s call to /api/secure-data succeeds with the cookie the browser sends', async () => {
    const response = await click('#call-api', '/api/secure-data');
    assert.equal(response.status(), 200);
    await demo.page.waitForFunction(() =>
      document.getElementById('api-result')?.textContent.startsWith('200'),
    );
  });

  it('changes the email through the page, and the browser keeps the rotated cookie', async () => {
    const before = await sessionCookie();
    assert.ok(before);
    await demo.page.fill('#new-email', 'moved@example.com');
    await demo.page.fill('#email-current-password', 'correct horse battery staple');
    const response = await click('#change-email', '/auth/email', 'POST');
    assert.equal(response.status(), 200);
    await demo.page.waitForFunction(() =>
      document.getElementById('status')?.textContent.includes('moved@example.com'),
    );
    const after = await sessionCookie();
    assert.ok(after);
    assert.notEqual(after.value, before.value, 'a new session id (no fixation)');
    assert.equal(after.httpOnly, true);
    const replayed = await send(demo.server.url, 'GET', '/api/secure-data', {
      cookie: `__Host-auth_token=${before.value}`,
    });
    assert.equal(replayed.status, 401);
  });

  it('after logout the call fails, and a copy of the old cookie replayed elsewhere gets 401', async () => {
    const stolen = await sessionCookie();
    assert.ok(stolen);
    assert.equal((await click('#logout', '/auth/logout', 'POST')).status(), 200);

    const response = await click('#call-api', '/api/secure-data');
    assert.equal(response.status(), 401);

    const replay = await send(demo.server.url, 'GET', '/api/secure-data', {
      cookie: `${stolen.name}=${stolen.value}`,
    });
    assert.equal(replay.status, 401);
  });

  it('deletes the account through the page: no cookie and no login are left', async () => {
    await demo.page.waitForSelector('#login', { state: 'visible' });
    await demo.page.fill('#email', 'moved@example.com');
    await demo.page.fill('#password', 'correct horse battery staple');
    assert.equal((await click('#login', '/auth/login', 'POST')).status(), 200);
    const stolen = await sessionCookie();
    assert.ok(stolen);

    await demo.page.waitForSelector('#delete-account', { state: 'visible' });
    await demo.page.fill('#delete-current-password', 'correct horse battery staple');
    await demo.page.check('#delete-confirm');
    assert.equal((await click('#delete-account', '/auth/delete-account', 'POST')).status(), 200);

    assert.equal(await sessionCookie(), undefined, 'the cookie was cleared');
    await demo.page.waitForSelector('#login', { state: 'visible' });
    const replay = await send(demo.server.url, 'GET', '/api/secure-data', {
      cookie: `${stolen.name}=${stolen.value}`,
    });
    assert.equal(replay.status, 401);
    const login = await send(demo.server.url, 'POST', '/auth/login', {
      json: { email: 'moved@example.com', password: 'correct horse battery staple' },
    });
    assert.equal(login.status, 401);
  });
});

describe('the demo page with registration off, in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startTestServer({
      env: { LATCHKEY_REGISTRATION: 'off' },
      // An account the administrator made (`latchkey users add`), in the server's database.
      beforeStart: async (dataDir) => {
        const stores = openSqliteStores(join(dataDir, DATABASE_FILE));
        await new Accounts(stores.users).register({
          email: 'staff@example.com',
          password: 'correct horse battery staple',
        });
        await stores.close();
      },
    });
    browser = await launchChromium('path' in found ? found.path : '');
    page = await browser.newPage();
  });

  after(async () => {
    await browser.close();
    await server.close();
  });

  it('offers no registration, email change or deletion, which the server refuses', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#login', { state: 'visible' });
    assert.equal(await page.isHidden('#register'), true);

    await page.fill('#email', 'staff@example.com');
    await page.fill('#password', 'correct horse battery staple');
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => new URL(candidate.url()).pathname === '/auth/login'),
      page.click('#login'),
    ]);
    assert.equal(response.status(), 200);
    await page.waitForSelector('#password-panel', { state: 'visible' });
    assert.equal(await page.isHidden('#email-panel'), true);
    assert.equal(await page.isHidden('#delete-panel'), true);
  });
});
