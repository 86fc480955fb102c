import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findProxy, startProxy } from './proxy.js';

import type { GuardingProxy } from './proxy.js';

/**
 * Where Caddy is: `LATCHKEY_CADDY`, else a standard path. When none is found, the test is
 * skipped with a message on a developer's machine, and fails in CI (`CI=true`).
 */
export function findCaddy(): { path: string } | { skip: string } {
  return findProxy('caddy', 'LATCHKEY_CADDY', ['/usr/bin/caddy', '/usr/local/bin/caddy']);
}

/**
 * Starts Caddy on a free loopback port with the README's forward-auth configuration, in the
 * foreground, with no admin endpoint, and with its files (and what it would keep in the home
 * folder) in a temporary folder of its own.
 */
export function startGuardingCaddy(
  caddyPath: string,
  options: { latchkeyUrl: string; appUrl: string; port: number; traefikShaped?: boolean },
): Promise<GuardingProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-caddy-'));
  writeFileSync(join(dir, 'Caddyfile'), guardingCaddyfile(options.port, options));
  return startProxy({
    name: 'caddy',
    command: caddyPath,
    args: ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
    dir,
    port: options.port,
    env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    stopSignal: 'SIGTERM',
  });
}

/**
 * Caddy asking Latchkey as Traefik's `forwardAuth` does: `GET /auth/verify` with Latchkey's own
 * address in `Host` (here `localhost:<port>`, another name than the site's) and the site's host
 * only in `X-Forwarded-Host`, the method and URI in `X-Forwarded-Method` and `-Uri`.
 */
export function startTraefikShapedCaddy(
  caddyPath: string,
  options: { latchkeyUrl: string; appUrl: string; port: number },
): Promise<GuardingProxy> {
  return startGuardingCaddy(caddyPath, { ...options, traefikShaped: true });
}

// The Caddyfile the README shows, with this test's ports, its unguarded login page, and one more
// route of the kind a site already has (static files by extension), which must stay guarded.
function guardingCaddyfile(
  port: number,
  options: { latchkeyUrl: string; appUrl: string; traefikShaped?: boolean },
): string {
  const latchkey = new URL(options.latchkeyUrl).host;
  const app = new URL(options.appUrl).host;
  const asTraefik =
    options.traefikShaped === true
      ? `header_up Host localhost:${new URL(options.latchkeyUrl).port}
		header_up X-Forwarded-Host {hostport}`
      : '';
  return `{
	admin off
	auto_https off
}

${guardedSnippet(latchkey, asTraefik)}:${String(port)} {
	bind 127.0.0.1
	# For every route, unguarded ones too: only Latchkey names the user.
	request_header -*atchkey*

	handle /auth/* {
		reverse_proxy ${latchkey}
	}

	handle /login.html {
		rewrite * /login.html
		reverse_proxy ${app}
	}

	@static path *.js *.css
	route @static {
		import latchkey_guard
		reverse_proxy ${app}
	}

	route {
		import latchkey_guard
		reverse_proxy ${app}
	}
}
`;
}

function guardedSnippet(latchkey: string, extraHeaders: string): string {
  return `(latchkey_guard) {
	# The app learns the user from Latchkey only: every header of the client's whose name holds
	# "latchkey" is dropped first, underscores and all (a FastCGI app such as PHP reads
	# X_Latchkey_User_Id as X-Latchkey-User-Id).
	request_header -*atchkey*
	reverse_proxy ${latchkey} {
		method GET
		rewrite /auth/verify
		header_up X-Forwarded-Method {method}
		header_up X-Forwarded-Uri {uri}
		${extraHeaders}
		transport http {
			dial_timeout 2s
			response_header_timeout 5s
		}
		# Allowed, and the session cookie renewed: on to the browser, never into a cache.
		@renewed {
			status 2xx
			header Set-Cookie *
		}
		handle_response @renewed {
			request_header X-Latchkey-User-Id {rp.header.X-Latchkey-User-Id}
			request_header X-Latchkey-User-Email {rp.header.X-Latchkey-User-Email}
			header {
				+Set-Cookie {rp.header.Set-Cookie}
				+Cache-Control no-store
				+CDN-Cache-Control no-store
				+Surrogate-Control no-store
			}
		}
		@allowed status 2xx
		handle_response @allowed {
			request_header X-Latchkey-User-Id {rp.header.X-Latchkey-User-Id}
			request_header X-Latchkey-User-Email {rp.header.X-Latchkey-User-Email}
		}
	}
}

`;
}
