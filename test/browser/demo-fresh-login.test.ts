import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { findChromium, launchChromium } from '../support/chromium.js';
import { ManualClock } from '../support/clock.js';
import { startTestServer } from '../support/server.js';

import type { Browser, Page, Response } from 'playwright-core';
import type { TestServer } from '../support/server.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const PASSWORD = 'correct horse battery staple';

describe('the demo page once the login is no longer recent, in Chromium', { skip }, () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startTestServer({ clock: clock.now });
    browser = await launchChromium('path' in found ? found.path : '');
    page = await browser.newPage();
  });

  after(async () => {
    await browser.close();
    await server.close();
  });

  // Clicks and waits for the page's request to `path`, not for text on the page.
  const click = async (selector: string, path: string): Promise<Response> => {
    const [response] = await Promise.all([
      page.waitForResponse(
        (candidate) =>
          new URL(candidate.url()).pathname === path && candidate.request().method() === 'POST',
      ),
      page.click(selector),
    ]);
    return response;
  };

  it('offers the login again for the same account, and the change then goes through', async () => {
    await page.goto(`${server.url}/`);
    await page.fill('#email', 'recent@example.com');
    await page.fill('#password', PASSWORD);
    assert.equal((await click('#register', '/auth/register')).status(), 201);
    await page.waitForSelector('#password-panel', { state: 'visible' });
    assert.equal(await page.isHidden('#account'), true);

    // Past the fresh-login window (600 s), well within the idle timeout.
    clock.advanceSeconds(601);
    await page.fill('#current-password', PASSWORD);
    await page.fill('#new-password', 'a brand new pass phrase');
    const refused = await click('#change-password', '/auth/password');
    assert.equal(refused.status(), 403);
    await page.waitForSelector('#account', { state: 'visible' });
    assert.equal(await page.textContent('#account-heading'), 'Log in again');
    assert.equal(await page.inputValue('#email'), 'recent@example.com');
    assert.equal(await page.isHidden('#register'), true);
    assert.match((await page.textContent('#password-message')) ?? '', /Log in again/);
    // A reload keeps it: the page asks for the login again until one succeeds.
    await Promise.all([
      page.waitForResponse((candidate) => new URL(candidate.url()).pathname === '/auth/sessions'),
      page.reload(),
    ]);
    assert.equal(await page.textContent('#account-heading'), 'Log in again');
    assert.equal(await page.inputValue('#email'), 'recent@example.com');
    assert.equal(await page.isHidden('#register'), true);

    await page.fill('#password', PASSWORD);
    assert.equal((await click('#login', '/auth/login')).status(), 200);
    await page.waitForSelector('#account', { state: 'hidden' });
    await page.fill('#current-password', PASSWORD);
    await page.fill('#new-password', 'a brand new pass phrase');
    assert.equal((await click('#change-password', '/auth/password')).status(), 200);
  });

  it('logging out instead leaves the page as for anyone logged out', async () => {
    clock.advanceSeconds(601);
    await page.fill('#current-password', 'a brand new pass phrase');
    await page.fill('#new-password', 'yet another pass phrase');
    assert.equal((await click('#change-password', '/auth/password')).status(), 403);
    await page.waitForSelector('#account', { state: 'visible' });

    assert.equal((await click('#logout', '/auth/logout')).status(), 200);
    await page.waitForSelector('#register', { state: 'visible' });
    assert.equal(await page.textContent('#account-heading'), 'Register or log in');
  });
});
