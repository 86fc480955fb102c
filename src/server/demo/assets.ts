import { readFileSync } from 'node:fs';

import type { HttpResponse } from '../../http/types.js';

// Only our own files may run or style the page; no inline script, no framing, forms post only
// here (OWASP ASVS V3.4.3). A content injection bug then cannot load code from elsewhere.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  '/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};

// Read once at start-up: the files are small and never change while the server runs.
const CACHE = new Map<string, HttpResponse>();

/** Whether a path is one of the demo page's files. */
export function isDemoAssetPath(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

/**
 * The demo page's files by path, or null for any other path. With `registration: false` the page
 * says so (`<body data-registration="off">`), and its script offers no registration, no email
 * change and no deletion, which the server would refuse.
 */
export function demoAsset(
  path: string,
  options: { registration?: boolean } = {},
): HttpResponse | null {
  const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
  if (entry === undefined) return null;
  const closed = options.registration === false && path === '/';
  const key = closed ? `${path} closed` : path;
  let cached = CACHE.get(key);
  if (cached === undefined) {
    let body = readFileSync(new URL(entry.file, import.meta.url), 'utf8');
    if (closed) body = body.replace('<body>', '<body data-registration="off">');
    cached = {
      status: 200,
      headers: [
        ['Content-Type', entry.type],
        ['Cache-Control', 'no-cache'],
        ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
      ],
      body,
    };
    CACHE.set(key, cached);
  }
  return { status: cached.status, headers: [...cached.headers], body: cached.body };
}
