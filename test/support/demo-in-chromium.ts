import { after, before } from 'node:test';

import { launchChromium } from './chromium.js';
import { startTestServer } from './server.js';

import type { Browser, Page } from 'playwright-core';
import type { TestServer } from './server.js';

/**
 * The standalone server (`startTestServer` with these options) and a Chromium page, started
 * before a suite's tests and closed after them: call it inside `describe`, and reach both through
 * the object it returns once the tests run.
 */
export function demoInChromium(
  chromiumPath: string,
  options: Parameters<typeof startTestServer>[0] = {},
): { readonly server: TestServer; readonly page: Page } {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  before(async () => {
    server = await startTestServer(options);
    browser = await launchChromium(chromiumPath);
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  return {
    get server() {
      if (server === undefined) throw new Error('the suite has not started its server yet');
      return server;
    },
    get page() {
      if (page === undefined) throw new Error('the suite has not opened its page yet');
      return page;
    },
  };
}
