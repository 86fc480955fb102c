import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { usersCommand } from '../../src/cli/users.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { capturingIo } from '../support/cli-io.js';
import { startTestServer } from '../support/server.js';
import { logsIn, registerUser } from '../support/users.js';

import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../support/server.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const NEW_PASSWORD = 'chosen by the user alone';

describe('a reset link opened in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium('path' in found ? found.path : '');
    page = await browser.newPage();
  });

  after(async () => {
    await browser.close();
    await server.close();
  });

  it('asks for a new password, keeps the token out of the address bar, and sets it', async () => {
    const held = await registerUser(server.url);
    const { io, printed } = capturingIo();
    await usersCommand(
      ['reset-link', held.email],
      { 'data-dir': server.dataDir, origin: server.url },
      io,
    );
    const link = /^(http\S+)$/m.exec(printed())?.[1];
    assert.ok(link, printed());

    await page.goto(link);
    await page.waitForSelector('#reset-panel', { state: 'visible' });
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar at once');
    await page.fill('#reset-password', NEW_PASSWORD);
    const [response] = await Promise.all([
      page.waitForResponse(
        (candidate) =>
          new URL(candidate.url()).pathname === '/auth/password-reset' &&
          candidate.request().method() === 'POST',
      ),
      page.click('#reset-submit'),
    ]);
    assert.equal(response.status(), 200);
    await page.waitForSelector('#reset-panel', { state: 'hidden' });
    assert.match((await page.textContent('#form-message')) ?? '', /Log in with the new password/);
    assert.equal(await logsIn(server.url, held.email, NEW_PASSWORD), true);
  });

  it('takes a link opened in a tab that shows the page already, and says when one is damaged', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#reset-panel', { state: 'hidden' });
    // Only the fragment changes: no new page load, a hashchange.
    await page.evaluate(() => {
      window.location.hash = '#reset=a.b%20c';
    });
    await page.waitForSelector('#reset-panel', { state: 'visible' });
    assert.equal(new URL(page.url()).hash, '');
    assert.equal(await page.isHidden('#reset-form'), true);
    assert.match((await page.textContent('#reset-message')) ?? '', /damaged/);
  });
});
