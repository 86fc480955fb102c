import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { usersCommand } from '../../src/cli/users.js';
import { findChromium } from '../support/chromium.js';
import { capturingIo } from '../support/cli-io.js';
import { demoInChromium } from '../support/demo-in-chromium.js';
import { logsIn, registerUser } from '../support/users.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const NEW_PASSWORD = 'chosen by the user alone';

describe('a reset link opened in Chromium', { skip }, () => {
  const demo = demoInChromium('path' in found ? found.path : '');

  it('asks for a new password, keeps the token out of the address bar, and sets it', async () => {
    const held = await registerUser(demo.server.url);
    const { io, printed } = capturingIo();
    await usersCommand(
      ['reset-link', held.email],
      { 'data-dir': demo.server.dataDir, origin: demo.server.url },
      io,
    );
    const link = /^(http\S+)$/m.exec(printed())?.[1];
    assert.ok(link, printed());

    await demo.page.goto(link);
    await demo.page.waitForSelector('#reset-panel', { state: 'visible' });
    assert.equal(new URL(demo.page.url()).hash, '', 'the token left the address bar at once');
    await demo.page.fill('#reset-password', NEW_PASSWORD);
    const [response] = await Promise.all([
      demo.page.waitForResponse(
        (candidate) =>
          new URL(candidate.url()).pathname === '/auth/password-reset' &&
          candidate.request().method() === 'POST',
      ),
      demo.page.click('#reset-submit'),
    ]);
    assert.equal(response.status(), 200);
    await demo.page.waitForSelector('#reset-panel', { state: 'hidden' });
    assert.match(
      (await demo.page.textContent('#form-message')) ?? '',
      /Log in with the new password/,
    );
    assert.equal(await logsIn(demo.server.url, held.email, NEW_PASSWORD), true);
  });

  it('takes a link opened in a tab that shows the page already, and says when one is damaged', async () => {
    await demo.page.goto(`${demo.server.url}/`);
    await demo.page.waitForSelector('#reset-panel', { state: 'hidden' });
    // Only the fragment changes: no new page load, a hashchange.
    await demo.page.evaluate(() => {
      window.location.hash = '#reset=a.b%20c';
    });
    await demo.page.waitForSelector('#reset-panel', { state: 'visible' });
    assert.equal(new URL(demo.page.url()).hash, '');
    assert.equal(await demo.page.isHidden('#reset-form'), true);
    assert.match((await demo.page.textContent('#reset-message')) ?? '', /damaged/);
  });
});
