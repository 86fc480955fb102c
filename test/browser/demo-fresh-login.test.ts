import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { findChromium } from '../support/chromium.js';
import { ManualClock } from '../support/clock.js';
import { demoInChromium } from '../support/demo-in-chromium.js';

import type { Response } from 'playwright-core';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const PASSWORD = 'correct horse battery staple';

describe('the demo page once the login is no longer recent, in Chromium', { skip }, () => {
  const clock = new ManualClock(Date.now());
  const demo = demoInChromium('path' in found ? found.path : '', { clock: clock.now });

  // Clicks and waits for the page's request to `path`, not for text on the demo.page.
  const click = async (selector: string, path: string): Promise<Response> => {
    const [response] = await Promise.all([
      demo.page.waitForResponse(
        (candidate) =>
          new URL(candidate.url()).pathname === path && candidate.request().method() === 'POST',
      ),
      demo.page.click(selector),
    ]);
    return response;
  };

  it('offers the login again for the same account, and the change then goes through', async () => {
    await demo.page.goto(`${demo.server.url}/`);
    await demo.page.fill('#email', 'recent@example.com');
    await demo.page.fill('#password', PASSWORD);
    assert.equal((await click('#register', '/auth/register')).status(), 201);
    await demo.page.waitForSelector('#password-panel', { state: 'visible' });
    assert.equal(await demo.page.isHidden('#account'), true);

    // Past the fresh-login window (600 s), well within the idle timeout.
    clock.advanceSeconds(601);
    await demo.page.fill('#current-password', PASSWORD);
    await demo.page.fill('#new-password', 'a brand new pass phrase');
    const refused = await click('#change-password', '/auth/password');
    assert.equal(refused.status(), 403);
    await demo.page.waitForSelector('#account', { state: 'visible' });
    assert.equal(await demo.page.textContent('#account-heading'), 'Log in again');
    assert.equal(await demo.page.inputValue('#email'), 'recent@example.com');
    assert.equal(await demo.page.isHidden('#register'), true);
    assert.match((await demo.page.textContent('#password-message')) ?? '', /Log in again/);
    // A reload keeps it: the page asks for the login again until one succeeds.
    await Promise.all([
      demo.page.waitForResponse(
        (candidate) => new URL(candidate.url()).pathname === '/auth/sessions',
      ),
      demo.page.reload(),
    ]);
    assert.equal(await demo.page.textContent('#account-heading'), 'Log in again');
    assert.equal(await demo.page.inputValue('#email'), 'recent@example.com');
    assert.equal(await demo.page.isHidden('#register'), true);

    await demo.page.fill('#password', PASSWORD);
    assert.equal((await click('#login', '/auth/login')).status(), 200);
    await demo.page.waitForSelector('#account', { state: 'hidden' });
    await demo.page.fill('#current-password', PASSWORD);
    await demo.page.fill('#new-password', 'a brand new pass phrase');
    assert.equal((await click('#change-password', '/auth/password')).status(), 200);
  });

  it('logging out instead leaves the page as for anyone logged out', async () => {
    clock.advanceSeconds(601);
    await demo.page.fill('#current-password', 'a brand new pass phrase');
    await demo.page.fill('#new-password', 'yet another pass phrase');
    assert.equal((await click('#change-password', '/auth/password')).status(), 403);
    await demo.page.waitForSelector('#account', { state: 'visible' });

    assert.equal((await click('#logout', '/auth/logout')).status(), 200);
    await demo.page.waitForSelector('#register', { state: 'visible' });
    assert.equal(await demo.page.textContent('#account-heading'), 'Register or log in');
  });
});
