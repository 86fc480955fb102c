import { describeError } from '../log.js';
import { createJsonLogger } from '../server/logger.js';
import { resolveServerConfig } from '../server/config.js';
import { startServer } from '../server/serve.js';
import { storeUrlSecrets, untrustedText } from '../untrusted-text.js';
import { causeText } from './cause.js';

import type { CliIo } from './io.js';

/** Help for `latchkey serve`. */
export const SERVE_HELP = `Usage: latchkey serve [options]

Starts the Latchkey auth server: on an embedded SQLite database unless --store says otherwise.

Options:
  --port N             port to listen on (env LATCHKEY_PORT, default 3000)
  --host ADDR          address to listen on (env LATCHKEY_HOST, default 127.0.0.1)
  --data-dir DIR       folder for latchkey.db and the generated secret (env LATCHKEY_DATA_DIR,
                       default ./data)
  --store URL          sqlite:PATH, postgres://...[?schema=NAME] or redis://...[?prefix=TEXT]
                       (env LATCHKEY_STORE; default sqlite:<data-dir>/latchkey.db); PostgreSQL
                       needs "npm install pg", Redis "npm install ioredis"
  --cookie-name NAME   session cookie name (env LATCHKEY_COOKIE_NAME, default __Host-auth_token)
  --same-site VALUE    Strict, Lax or None (env LATCHKEY_COOKIE_SAMESITE, default Lax)
  --no-registration    turn off POST /auth/register (env LATCHKEY_REGISTRATION=off)
  --secrets-file PATH  signing secrets, one per line, the first signs (env LATCHKEY_SECRETS,
                       comma-separated; default: one generated in the data folder)
  --trust-proxy VALUE  believe X-Forwarded-For/-Proto and Forwarded from these proxies: a hop
                       count (1) or addresses/CIDRs (10.0.0.0/8,::1) (env LATCHKEY_TRUST_PROXY)
  --proxy-header NAME  the header those proxies write: x-forwarded (default) or forwarded
                       (env LATCHKEY_PROXY_HEADER); the other one is ignored
  --trust-forwarded-host
                       take the site's host from those proxies' X-Forwarded-Host (or Forwarded
                       host=), not Host: for Traefik's forwardAuth, which sends Latchkey its own
                       address as Host (an IP or a private name: a container's, .cluster.local,
                       .internal); every trusted proxy must set or remove that header
                       (env LATCHKEY_TRUST_FORWARDED_HOST=on)
  --origin URL         the site's public origin: the Origin unsafe requests must have, and the
                       one host name answered to (env LATCHKEY_ORIGIN)
  --trusted-origins L  other origins allowed to send unsafe requests, comma-separated
                       (env LATCHKEY_TRUSTED_ORIGINS)
  --tls-cert FILE      serve HTTPS with this PEM certificate (then any intermediates); needs
                       --tls-key (env LATCHKEY_TLS_CERT)
  --tls-key FILE       the certificate's PEM private key, unencrypted (env LATCHKEY_TLS_KEY)
  --dev-cert           without --tls-cert/--tls-key, serve HTTPS with a self-signed certificate
                       for localhost, 127.0.0.1 and ::1, kept in the data folder (dev-cert.pem,
                       dev-key.pem), valid 30 days, renewed 2 days before it ends; prints its
                       SPKI hash for Chromium (env LATCHKEY_DEV_CERT=1); development only
  --dbsc               offer Device Bound Session Credentials at every login over HTTPS: a
                       browser that supports them binds the session to a key it keeps, and a
                       copied cookie stops working within minutes (env LATCHKEY_DBSC=on; bound
                       cookie lifetime from LATCHKEY_DBSC_COOKIE_SECONDS, default 600)
  --insecure-cookie    drop Secure from the cookie; localhost only (env LATCHKEY_COOKIE_SECURE=false)
  --browser-session-cookie
                       no Max-Age: the cookie ends when the browser closes
                       (env LATCHKEY_COOKIE_PERSISTENT=false)
  -h, --help           show this help

Environment only:
  LATCHKEY_METRICS_TOKEN     GET /metrics (Prometheus) for this Bearer token, 32 characters or
                             more; no /metrics without it
  LATCHKEY_CLEAR_SITE_DATA   off: logout sends no Clear-Site-Data (an app sharing the host name
                             keeps its cookies)
  LATCHKEY_IDLE_TIMEOUT_SECONDS, LATCHKEY_ABSOLUTE_LIFETIME_SECONDS, LATCHKEY_FRESH_LOGIN_SECONDS

Besides the auth routes: GET /healthz (200, or 503 when the store fails), GET /auth/verify
(forward authentication for nginx's auth_request, Caddy or Traefik's forwardAuth; see the
README).
`;

// Chromium runs DBSC with software keys (no TPM needed) when started with these.
const DBSC_CHROMIUM_FLAGS =
  '--enable-features=DeviceBoundSessions,EnableBoundSessionCredentialsSoftwareKeysForManualTesting ' +
  '--disable-features=DeviceBoundSessionsRefreshQuota ';

// The longest reason for a failed start that is logged, in UTF-16 code units.
const START_FAILURE_MAX_LENGTH = 500;

/** `latchkey serve`: runs until SIGINT or SIGTERM, then shuts down cleanly. */
export async function serveCommand(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Promise<void> {
  const config = resolveServerConfig({ flags, env: io.env });
  const logger = createJsonLogger(io.logLine === undefined ? {} : { write: io.logLine });
  let server;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    // Said on standard error too (main.ts); a log collector may read standard output only. The
    // store URL's secrets are kept out, as they are there.
    const secrets = config.store.kind === 'sqlite' ? [] : storeUrlSecrets(config.store.url);
    const cause = error instanceof Error ? causeText(error, secrets) : '';
    logger.log('error', 'server.start_failed', {
      detail: untrustedText(describeError(error), secrets, START_FAILURE_MAX_LENGTH),
      ...(cause === '' ? {} : { cause }),
    });
    throw error;
  }
  // Listen for the signals before saying where the server listens: whoever waits for that
  // line may stop the server at once, and must get a clean shutdown, not a killed process.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err(`Latchkey is listening on ${server.url} (store: ${server.store})\n`);
  const certificate = server.certificate;
  if (certificate?.source === 'dev') {
    const port = String(server.port);
    io.err(
      `Development certificate ${certificate.created ? 'created' : 'reused'}: ` +
        `${certificate.certFile} (localhost, 127.0.0.1, ::1; valid until ` +
        `${certificate.notAfter.toISOString()})\n` +
        `SPKI SHA-256: ${certificate.spkiSha256Base64}\n` +
        `Chromium trusts it when started as: chromium --user-data-dir="$(mktemp -d)" ` +
        `--ignore-certificate-errors-spki-list=${certificate.spkiSha256Base64} ` +
        (config.dbsc.enabled ? DBSC_CHROMIUM_FLAGS : '') +
        `https://localhost:${port}/\n`,
    );
  }
  if (config.dbsc.enabled && server.certificate === null && config.trustProxy === false) {
    io.err(
      'DBSC waits for HTTPS: browsers bind sessions over HTTPS only, and this server speaks ' +
        'plain HTTP behind no TLS proxy, so its sessions stay unbound (they work as usual). To ' +
        'try it: --dev-cert (npm start -- --dev-cert), --tls-cert/--tls-key, or --trust-proxy ' +
        'behind a TLS proxy.\n',
    );
  }

  await stopped;
  await server.close();
}
