import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';

import type { Browser } from 'playwright-core';

/** Flags for headless Chromium on a machine without a network or a display. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Where Chromium is: `LATCHKEY_CHROMIUM`, else a standard path. When none is found, the test is
 * skipped with a message on a developer's machine, and fails in CI (`CI=true`), where a skipped
 * browser test would hide a broken promise.
 */
export function findChromium(): { path: string } | { skip: string } {
  const configured = process.env.LATCHKEY_CHROMIUM;
  const path = configured ?? CANDIDATES.find((candidate) => existsSync(candidate));
  if (path !== undefined && existsSync(path)) return { path };
  const message =
    'Chromium not found (set LATCHKEY_CHROMIUM or install Debian\'s "chromium" package)';
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: browser test skipped.` };
}

/** Launches headless Chromium with the flags this machine needs. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}
