import { createServer } from 'node:http';

import type { AddressInfo } from 'node:net';

/** A hostile site on loopback, for browser tests of cross-site requests. */
export interface AttackerSite {
  /** `http://localhost:PORT`: another site than the app's `http://127.0.0.1:PORT`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the attacker's pages: `/` is a blank page (for scripts run in it), and
 * `/?target=/path` a page whose form auto-submits a POST to that path on `appUrl` when it loads.
 * It listens on 127.0.0.1 and is opened as `localhost`, so that the browser sees two sites.
 */
export async function startAttackerSite(appUrl: string): Promise<AttackerSite> {
  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://localhost').searchParams.get('target');
    const form =
      target === null
        ? ''
        : `<form method="POST" action="${new URL(target, appUrl).href}">` +
          `<input type="hidden" name="x" value="1"></form>` +
          `<script>document.forms[0].submit();</script>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>win a prize</title>${form}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
