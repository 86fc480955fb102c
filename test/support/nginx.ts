import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findProxy, startProxy } from './proxy.js';

import type { GuardingProxy } from './proxy.js';

/**
 * Where nginx is: `LATCHKEY_NGINX`, else a standard path. When none is found, the test is
 * skipped with a message on a developer's machine, and fails in CI (`CI=true`).
 */
export function findNginx(): { path: string } | { skip: string } {
  return findProxy('nginx', 'LATCHKEY_NGINX', [
    '/usr/sbin/nginx',
    '/usr/bin/nginx',
    '/usr/local/sbin/nginx',
  ]);
}

/**
 * Starts nginx on a free loopback port with the README's forward-auth configuration: `/auth/`
 * proxied to Latchkey, everything else to `appUrl` once `GET /auth/verify` says yes. Runs in
 * the foreground, with its files in a temporary folder of its own.
 */
export function startGuardingNginx(
  nginxPath: string,
  options: { latchkeyUrl: string; appUrl: string; port: number },
): Promise<GuardingProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), guardingConfig(dir, options.port, options));
  return startProxy({
    name: 'nginx',
    command: nginxPath,
    args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'],
    dir,
    port: options.port,
    logFile: 'error.log',
    stopSignal: 'SIGQUIT',
  });
}

// The configuration the README shows, with this test's ports and files, its unguarded login page
// (without the error_page that sends there, so that the tests see nginx's 401), and one more
// location of the kind a site already has (static files by extension), which must stay guarded.
function guardingConfig(
  dir: string,
  port: number,
  options: { latchkeyUrl: string; appUrl: string },
): string {
  const latchkey = new URL(options.latchkeyUrl).host;
  const app = new URL(options.appUrl).host;
  return `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  map $latchkey_cookie $latchkey_no_store {
    ""      "";
    default "no-store";
  }

  server {
    listen 127.0.0.1:${port};

    auth_request /_latchkey_verify;
    auth_request_set $latchkey_user_id $upstream_http_x_latchkey_user_id;
    auth_request_set $latchkey_user_email $upstream_http_x_latchkey_user_email;
    auth_request_set $latchkey_cookie $upstream_http_set_cookie;
    proxy_set_header X-Latchkey-User-Id $latchkey_user_id;
    proxy_set_header X-Latchkey-User-Email $latchkey_user_email;
    add_header Set-Cookie $latchkey_cookie always;
    add_header Cache-Control $latchkey_no_store always;
    add_header CDN-Cache-Control $latchkey_no_store always;
    add_header Surrogate-Control $latchkey_no_store always;

    location /auth/ {
      auth_request off;
      proxy_pass http://${latchkey};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }

    location = /_latchkey_verify {
      internal;
      auth_request off;
      proxy_pass http://${latchkey}/auth/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Method $request_method;
      proxy_connect_timeout 2s;
      proxy_read_timeout 5s;
    }

    location / {
      proxy_pass http://${app};
    }

    location = /login.html {
      auth_request off;
      proxy_pass http://${app}/login.html;
    }

    location ~* \\.(js|css)$ {
      proxy_pass http://${app};
    }
  }
}
`;
}
