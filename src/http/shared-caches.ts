import type { ServerResponse } from 'node:http';

// Headers that tell a CDN what to keep in place of Cache-Control: RFC 9213's, and the older
// Surrogate-Control. A CDN that honours one of them ignores Cache-Control.
const CDN_CACHE_HEADERS = ['CDN-Cache-Control', 'Surrogate-Control'] as const;

/**
 * Whether a `Cache-Control` (or `CDN-Cache-Control`) value lets a shared cache (a CDN, a proxy)
 * keep the response: it holds neither `no-store` nor a bare `private` (RFC 9111 sections 5.2.2.5
 * and 5.2.2.7; a `private` that names fields keeps only those out). Directives are read as the
 * RFC writes them: split at commas outside quoted strings, names in any case. `Set-Cookie` does
 * not stop a cache from keeping a response, so one that carries a session cookie must say so
 * itself, or the cache hands the cookie to the next visitor.
 */
export function sharedCacheMayStore(
  cacheControl: string,
  options: { privateCounts?: boolean } = {},
): boolean {
  const privateCounts = options.privateCounts ?? true;
  for (const { name, hasArgument } of directivesOf(cacheControl)) {
    if (name === 'no-store' || (privateCounts && name === 'private' && !hasArgument)) return false;
  }
  return true;
}

/**
 * What a response that carries a session cookie must change among its cache headers, read
 * through `read` (a header's value by lower-case name, or null): `Cache-Control: no-store`
 * unless it already keeps shared caches off, and `no-store` for a `CDN-Cache-Control` or
 * `Surrogate-Control` that lets a CDN keep it.
 */
export function cacheHeadersWithCookie(read: (name: string) => string | null): [string, string][] {
  const changes: [string, string][] = [];
  const cacheControl = read('cache-control');
  if (cacheControl === null || sharedCacheMayStore(cacheControl)) {
    changes.push(['Cache-Control', 'no-store']);
  }
  for (const name of CDN_CACHE_HEADERS) {
    const value = read(name.toLowerCase());
    // Surrogate-Control has no `private`: only its `no-store` keeps a surrogate from storing.
    const privateCounts = name !== 'Surrogate-Control';
    if (value !== null && sharedCacheMayStore(value, { privateCounts })) {
      changes.push([name, 'no-store']);
    }
  }
  return changes;
}

/**
 * For a node:http response that will carry a session cookie: `Cache-Control: no-store` now
 * unless it has one, and, when its headers are written (`writeHead`, called by node:http itself
 * for an implicit head), the changes of {@link cacheHeadersWithCookie} to the headers set by
 * then and those given to `writeHead`. The application's `private` or `no-store` stays. A
 * `writeHead` replaced after this one was put in place runs before it and is checked; code that
 * writes the head some other way is not.
 */
export function keepFromSharedCaches(res: ServerResponse): void {
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]): ServerResponse => {
    const last = args.at(-1);
    const given = typeof last === 'object' && last !== null ? last : null;
    const read = (name: string): string | null => {
      const inArgs = given === null ? undefined : lastValueIn(given, name);
      if (inArgs !== undefined) return inArgs;
      const set = res.getHeader(name);
      if (set === undefined) return null;
      return Array.isArray(set) ? set.join(', ') : String(set);
    };
    const changes = cacheHeadersWithCookie(read);
    let headers = given;
    for (const [name, value] of changes) {
      // Set on the response, and in writeHead's own headers when they name it: node:http lets
      // those win.
      res.setHeader(name, value);
      if (headers !== null && lastValueIn(headers, name.toLowerCase()) !== undefined) {
        headers = withValue(headers, name.toLowerCase(), value);
      }
    }
    if (headers !== given) args[args.length - 1] = headers;
    return writeHead(...args);
  };
}

/** The last value of a header in headers given to writeHead (an object or a flat list). */
function lastValueIn(headers: object, lowerName: string): string | undefined {
  let found: string | undefined;
  const take = (name: unknown, value: unknown): void => {
    if (String(name).toLowerCase() !== lowerName) return;
    found = Array.isArray(value) ? value.map(String).join(', ') : String(value);
  };
  if (Array.isArray(headers)) {
    for (let index = 0; index + 1 < headers.length; index += 2) {
      take(headers[index], headers[index + 1]);
    }
  } else {
    for (const [name, value] of Object.entries(headers)) take(name, value);
  }
  return found;
}

/** A copy of writeHead's headers with every line of a header set to `value`. */
function withValue(headers: object, lowerName: string, value: string): object {
  if (Array.isArray(headers)) {
    return headers.map((item: unknown, index) =>
      index % 2 === 1 && String(headers[index - 1]).toLowerCase() === lowerName ? value : item,
    );
  }
  return Object.fromEntries(
    Object.entries(headers).map(([name, item]) => [
      name,
      name.toLowerCase() === lowerName ? value : (item as unknown),
    ]),
  );
}

/** The directives of a Cache-Control value: lower-case names, and whether each has `=...`. */
function directivesOf(value: string): { name: string; hasArgument: boolean }[] {
  const directives: { name: string; hasArgument: boolean }[] = [];
  let start = 0;
  while (start <= value.length) {
    let end = start;
    let quoted = false;
    for (; end < value.length; end += 1) {
      const char = value[end];
      if (quoted) {
        if (char === '\\') end += 1;
        else if (char === '"') quoted = false;
      } else if (char === '"') {
        quoted = true;
      } else if (char === ',') {
        break;
      }
    }
    const member = value.slice(start, end);
    const equals = member.indexOf('=');
    // HTTP's whitespace only (RFC 9110 section 5.6.3): a no-break space is part of the token.
    const name = (equals === -1 ? member : member.slice(0, equals))
      .replace(/^[ \t]+|[ \t]+$/g, '')
      .toLowerCase();
    if (name !== '') directives.push({ name, hasArgument: equals !== -1 });
    start = end + 1;
  }
  return directives;
}
