import { CookieError } from './errors.js';

/** What the prefix rules need to know about a cookie about to be written. */
export interface PrefixedCookie {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  domain: string | undefined;
  path: string;
}

// Browsers match the prefixes case-insensitively (RFC 6265bis section 5.7, since draft 10), so
// `__HOST-sid` is held to the `__Host-` rules too. Matching them case-sensitively here would let
// a serializer write a cookie the browser then silently drops.
const SECURE_PREFIX = '__secure-';
const HOST_PREFIX = '__host-';
const HTTP_PREFIX = '__http-';
const HOST_HTTP_PREFIX = '__host-http-';

/**
 * A cookie name prefix that makes browsers hold the cookie to extra rules.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3
 */
export type CookiePrefix = '__Secure-' | '__Host-' | '__Http-' | '__Host-Http-';

/**
 * The prefix `name` starts with, matched case-insensitively as browsers do (`__HOST-a` has the
 * `__Host-` prefix), or `undefined`. `__Host-Http-` is reported as itself, not as `__Host-`.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.4
 */
export function cookiePrefixOf(name: string): CookiePrefix | undefined {
  // Only names that start with "__" can carry a prefix; skip the lowercasing for the rest.
  if (!name.startsWith('__')) return undefined;
  // A-Z only, as i;ascii-casemap: toLowerCase() would also fold the Kelvin sign into "k".
  const head = name
    .slice(0, HOST_HTTP_PREFIX.length)
    .replace(/[A-Z]/g, (upper) => upper.toLowerCase());
  if (head.startsWith(SECURE_PREFIX)) return '__Secure-';
  if (head.startsWith(HOST_HTTP_PREFIX)) return '__Host-Http-';
  if (head.startsWith(HOST_PREFIX)) return '__Host-';
  if (head.startsWith(HTTP_PREFIX)) return '__Http-';
  return undefined;
}

/**
 * Throws `COOKIE_PREFIX_VIOLATION` when the cookie's name carries a prefix whose requirements
 * its attributes do not meet. A browser would refuse to store such a cookie.
 *
 * - `__Secure-`: `Secure`.
 * - `__Host-`: `Secure`, no `Domain`, `Path=/`.
 * - `__Http-`: `Secure` and `HttpOnly`.
 * - `__Host-Http-`: every `__Host-` rule, and `HttpOnly`.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3
 */
export function checkCookiePrefix(cookie: PrefixedCookie): void {
  const prefix = cookiePrefixOf(cookie.name);
  if (prefix === '__Secure-') {
    requireSecure(cookie, prefix);
  } else if (prefix === '__Host-' || prefix === '__Host-Http-') {
    requireSecure(cookie, prefix);
    if (cookie.domain !== undefined) {
      fail(
        cookie,
        prefix,
        'sets Domain, which the prefix forbids so that the cookie stays on the one host that set' +
          ' it; remove the domain option (use __Secure- if subdomains must receive the cookie)',
      );
    }
    if (cookie.path !== '/') {
      fail(cookie, prefix, 'needs Path=/; remove the path option or set it to "/"');
    }
    if (prefix === '__Host-Http-') requireHttpOnly(cookie, prefix);
  } else if (prefix === '__Http-') {
    requireSecure(cookie, prefix);
    requireHttpOnly(cookie, prefix);
  }
}

function requireSecure(cookie: PrefixedCookie, prefix: string): void {
  if (!cookie.secure) fail(cookie, prefix, 'needs Secure; set secure: true');
}

function requireHttpOnly(cookie: PrefixedCookie, prefix: string): void {
  if (!cookie.httpOnly) fail(cookie, prefix, 'needs HttpOnly; set httpOnly: true');
}

function fail(cookie: PrefixedCookie, prefix: string, rule: string): never {
  throw new CookieError(
    'COOKIE_PREFIX_VIOLATION',
    `cookie "${cookie.name}" has the ${prefix} prefix and ${rule}. Browsers refuse to store a` +
      ` prefixed cookie that breaks its prefix's rules (RFC 6265bis section 4.1.3).`,
  );
}
