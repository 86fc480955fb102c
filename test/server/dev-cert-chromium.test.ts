import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { resolveServerConfig } from '../../src/server/config.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js';

import type { RunningServer } from '../../src/server/serve.js';

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;

// The hint `latchkey serve --dev-cert` prints, checked in the browser it is for.
describe('the development certificate in Chromium', { skip }, () => {
  let dataDir: string;
  let server: RunningServer;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-tls-'));
    const config = resolveServerConfig({
      flags: { port: '0', host: '127.0.0.1', 'data-dir': dataDir, 'dev-cert': true },
      env: {},
    });
    server = await startServer(config, { logger: createJsonLogger({ write: () => undefined }) });
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const launch = (extra: string[]) =>
    chromium.launch({
      executablePath: 'path' in found ? found.path : '',
      args: [...CHROMIUM_ARGS, ...extra],
      headless: true,
    });

  it('is refused without the SPKI list, and trusted with it, at localhost and 127.0.0.1', async () => {
    const spki = server.certificate?.spkiSha256Base64 ?? '';
    const port = String(server.port);

    const plain = await launch([]);
    try {
      const page = await plain.newPage();
      await assert.rejects(page.goto(`https://localhost:${port}/`), /ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await plain.close();
    }

    const trusting = await launch([`--ignore-certificate-errors-spki-list=${spki}`]);
    try {
      const page = await trusting.newPage();
      for (const origin of [`https://localhost:${port}`, `https://127.0.0.1:${port}`]) {
        const response = await page.goto(`${origin}/`);
        assert.equal(response?.status(), 200, origin);
        assert.equal(await page.evaluate(() => window.isSecureContext), true);
      }
      // The page's own fetch: same-origin over TLS, so the login cookie is set and kept.
      await page.goto(`https://localhost:${port}/`);
      const status = await page.evaluate(async () => {
        const response = await fetch('/auth/register', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: 'chromium-tls@example.com',
            password: 'correct horse battery staple',
          }),
        });
        return response.status;
      });
      assert.equal(status, 201);
      const cookies = await page.context().cookies(`https://localhost:${port}`);
      const session = cookies.find((cookie) => cookie.name === '__Host-auth_token');
      assert.equal(session?.secure, true);
      assert.equal(session.httpOnly, true);
      assert.equal(await page.evaluate(() => document.cookie), '');
      const data = await page.evaluate(async () => (await fetch('/api/secure-data')).status);
      assert.equal(data, 200);
    } finally {
      await trusting.close();
    }
  });
});
