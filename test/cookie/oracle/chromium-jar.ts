import { launchChromium } from '../../support/chromium.js';
import { startSetCookieServer } from './set-cookie-server.js';

import type { Browser, CDPSession, Page } from 'playwright-core';
import type { SetCookieServer } from './set-cookie-server.js';

/** A cookie as the DevTools protocol reports it (`Network.Cookie`), reduced to what we check. */
export interface ChromiumCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Seconds since the epoch; -1 for a session cookie. */
  expires: number;
  secure: boolean;
  httpOnly: boolean;
  /** Absent when the Set-Cookie line had no (valid) SameSite attribute. */
  sameSite?: string;
  priority: string;
  /** The top-level site a partitioned cookie is keyed on; absent for unpartitioned cookies. */
  partitionSite?: string;
}

/** What one response left in Chromium's cookie store, and when it arrived. */
export interface Delivery {
  /**
   * Whether Chromium refused the whole response as malformed HTTP
   * (`net::ERR_INVALID_HTTP_RESPONSE`), as it does for a NUL byte in a header.
   */
  responseRejected: boolean;
  cookies: ChromiumCookie[];
  /** Seconds since the epoch, just before the navigation started. */
  sentAt: number;
  /** Seconds since the epoch, once the navigation finished. */
  receivedAt: number;
  /**
   * For each path asked for, the names of the cookies Chromium would send with a request for
   * it on the same host (`Network.getCookies`), in store order.
   */
  sentTo: Map<string, string[]>;
}

/**
 * Headless Chromium with an empty cookie store, next to a loopback server that sends it any
 * Set-Cookie lines. Every request host resolves to 127.0.0.1 inside Chromium itself: `localhost`
 * and every `*.localhost` name are loopback names it never looks up in DNS.
 */
export interface ChromiumJar {
  /**
   * Sends `lines` to Chromium in one response from `http://<host>:<port>/set/<id>`, reads back
   * every cookie it stored, and which of them it would send with a request for each of
   * `probePaths` (given unencoded, such as `/café`), then clears the store for the next call.
   */
  deliver(
    host: string,
    lines: readonly string[],
    probePaths?: readonly string[],
  ): Promise<Delivery>;
  close(): Promise<void>;
}

export async function openChromiumJar(chromiumPath: string): Promise<ChromiumJar> {
  const server: SetCookieServer = await startSetCookieServer();
  const browser: Browser = await launchChromium(chromiumPath);
  const page: Page = await browser.newPage();
  const cdp: CDPSession = await page.context().newCDPSession(page);

  return {
    async deliver(host, lines, probePaths = []) {
      await cdp.send('Network.clearBrowserCookies');
      const path = server.register(lines);
      const url = `http://${host}:${String(server.port)}${path}`;
      const sentAt = Date.now() / 1000;
      let responseRejected = false;
      try {
        const response = await page.goto(url);
        if (response?.status() !== 200) throw new Error(`no response from ${url}`);
      } catch (error) {
        if (!String(error).includes('net::ERR_INVALID_HTTP_RESPONSE')) throw error;
        responseRejected = true;
        // Chromium goes on to show its error page; wait for it, or it cuts the next request off.
        await page.waitForURL(/^chrome-error:/);
      }
      const receivedAt = Date.now() / 1000;

      const { cookies } = await cdp.send('Network.getAllCookies');
      const sentTo = new Map<string, string[]>();
      for (const probe of probePaths) {
        // Left unencoded: Chromium's own URL parser encodes the path, as for any request.
        const probeUrl = `http://${host}:${String(server.port)}${probe}`;
        const sent = await cdp.send('Network.getCookies', { urls: [probeUrl] });
        sentTo.set(
          probe,
          sent.cookies.map((cookie) => cookie.name),
        );
      }
      await cdp.send('Network.clearBrowserCookies');
      const stored = cookies.map(toChromiumCookie);
      return { responseRejected, cookies: stored, sentAt, receivedAt, sentTo };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

function toChromiumCookie(cookie: {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  priority: string;
  partitionKey?: { topLevelSite: string };
}): ChromiumCookie {
  const stored: ChromiumCookie = {
    name: cookie.name,
    value: cookie.value,
    domain: cookie.domain,
    path: cookie.path,
    expires: cookie.expires,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    priority: cookie.priority,
  };
  if (cookie.sameSite !== undefined) stored.sameSite = cookie.sameSite;
  if (cookie.partitionKey !== undefined) stored.partitionSite = cookie.partitionKey.topLevelSite;
  return stored;
}
