import type { ServerResponse } from 'node:http';

/**
 * Whether a `Cache-Control` value lets a shared cache (a CDN, a proxy) keep the response: it
 * holds neither `no-store` nor `private` (RFC 9111 sections 5.2.2.5 and 5.2.2.7). `Set-Cookie`
 * does not stop a cache from keeping a response, so one that carries a session cookie must say
 * so itself, or the cache hands the cookie to the next visitor.
 */
export function sharedCacheMayStore(cacheControl: string): boolean {
  return !/(?:^|,)\s*(?:no-store|private)\s*(?:$|[,=])/i.test(cacheControl);
}

/** The `Cache-Control` for a response that carries a session cookie, given the one it has. */
export function cacheControlWithCookie(cacheControl: string | null | undefined): string | null {
  return cacheControl == null || sharedCacheMayStore(cacheControl) ? 'no-store' : null;
}

/**
 * For a node:http response that will carry a session cookie: `Cache-Control: no-store` now
 * unless it has one, and, when its headers are written, `no-store` in place of whatever
 * `Cache-Control` the application set by then that a shared cache may keep (`public`,
 * `max-age` alone). The application's `private` or `no-store` stays.
 */
export function keepFromSharedCaches(res: ServerResponse): void {
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]): ServerResponse => {
    const last = args.at(-1);
    const given = typeof last === 'object' && last !== null ? cacheControlIn(last) : undefined;
    if (given === undefined) {
      const set = res.getHeader('Cache-Control');
      const replacement = cacheControlWithCookie(set === undefined ? null : String(set));
      if (replacement !== null) res.setHeader('Cache-Control', replacement);
    } else if (cacheControlWithCookie(given) !== null) {
      args[args.length - 1] = withNoStore(last as object);
    }
    return writeHead(...args);
  };
}

/** The Cache-Control in headers given to writeHead (an object or a flat list), or undefined. */
function cacheControlIn(headers: object): string | undefined {
  if (Array.isArray(headers)) {
    for (let index = 0; index < headers.length; index += 2) {
      if (String(headers[index]).toLowerCase() === 'cache-control') {
        return String(headers[index + 1]);
      }
    }
    return undefined;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'cache-control') return String(value);
  }
  return undefined;
}

/** A copy of writeHead's headers with `Cache-Control: no-store`. */
function withNoStore(headers: object): object {
  if (Array.isArray(headers)) {
    return headers.map((item: unknown, index) =>
      index % 2 === 1 && String(headers[index - 1]).toLowerCase() === 'cache-control'
        ? 'no-store'
        : item,
    );
  }
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      name.toLowerCase() === 'cache-control' ? 'no-store' : (value as unknown),
    ]),
  );
}
