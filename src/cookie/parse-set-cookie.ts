import { cookiePrefixOf } from './prefix.js';
import {
  canonicalHost,
  defaultPath,
  domainMatches,
  isCookieScheme,
  isPublicSuffix,
  isSecureRequest,
} from './scope.js';
import { parseSetCookieString } from './set-cookie-string.js';

import type { ParsedSetCookie } from './set-cookie-string.js';
import type { IgnoredAttribute, SetCookieRejectionCode, SetCookieResult } from './stored-cookie.js';

/** Options of {@link parseSetCookie}. */
export interface ParseSetCookieOptions {
  /**
   * The current time, which Max-Age counts from and the 400-day cap is measured from: a Date,
   * or milliseconds since the Unix epoch (what a `Clock` returns). Default: `Date.now()`.
   */
  now?: Date | number | undefined;
}

/**
 * What a browser does with one `Set-Cookie` header received from `requestUrl`: the parsing
 * algorithm of RFC 6265bis section 5.6 (with the cookie-date of 5.1.1), then the steps of the
 * storage model (5.7) that depend on the line and the URL alone: domain matching and host-only,
 * the default path, `Secure` only from a secure origin (`https:`, or a loopback host such as
 * `http://localhost`), `SameSite=None` and `Partitioned` only with `Secure`, the `__Secure-`,
 * `__Host-`, `__Http-` and `__Host-Http-` prefixes (case-insensitive), the 4096-octet name and
 * value limit, control characters, nameless cookies, and the 400-day cap on expiry. Never throws.
 *
 * `line` is the field value, without `Set-Cookie:`. Its octets are kept as they come: pass the
 * string Node's `http` or Fetch's `headers.getSetCookie()` gives (one character per octet).
 *
 * Without `requestUrl`, the URL-dependent steps are skipped: the origin counts as secure, a
 * Domain attribute is taken as given, and `domain` and `path` are `''` where they would come from
 * the URL. Steps that depend on cookies already stored (a non-secure origin shadowing a
 * `Secure` cookie, a script replacing an `HttpOnly` one) need a `CookieJar`.
 *
 * Limitation: public suffixes are recognized only when they are a single label (`com`), for
 * want of the Public Suffix List; a browser also refuses `Domain=co.uk`.
 *
 * @example
 * parseSetCookie('sid=abc; Path=/; Secure; HttpOnly', 'https://app.example/login');
 * // { stored: true, ignoredAttributes: [], cookie: { name: 'sid', value: 'abc',
 * //   domain: 'app.example', hostOnly: true, path: '/', expires: null, secure: true,
 * //   httpOnly: true, sameSite: 'Default', partitioned: false } }
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export function parseSetCookie(
  line: string,
  requestUrl?: URL | string,
  options: ParseSetCookieOptions = {},
): SetCookieResult {
  try {
    const input: unknown = line;
    if (typeof input !== 'string') return reject('INVALID_INPUT', 'the line is not a string', []);
    const url = requestUrl === undefined ? undefined : toUrl(requestUrl);
    if (url === null) return reject('INVALID_INPUT', 'the request URL does not parse', []);
    const settings: unknown = options;
    const nowMs = readNowMs(
      typeof settings === 'object' && settings !== null
        ? (settings as { now?: unknown }).now
        : undefined,
    );
    if (nowMs === undefined) {
      return reject('INVALID_INPUT', 'now is not a valid Date or millisecond count', []);
    }
    return evaluateSetCookie(input, url, nowMs);
  } catch {
    // Only a hostile argument (a Proxy, a throwing getter) can get here.
    return reject('INVALID_INPUT', 'an argument could not be read', []);
  }
}

// The steps of parseSetCookie, on arguments already checked.
function evaluateSetCookie(line: string, url: URL | undefined, nowMs: number): SetCookieResult {
  if (url !== undefined && !isCookieScheme(url)) {
    return reject('UNSUPPORTED_SCHEME', 'browsers keep cookies for http(s) and ws(s) only', []);
  }
  const parsed = parseSetCookieString(line, nowMs);
  if ('code' in parsed) return reject(parsed.code, parsed.reason, []);
  const ignored = parsed.ignoredAttributes;

  if (parsed.name === '' && parsed.value === '') {
    return reject(
      'EMPTY_COOKIE',
      'the cookie has neither name nor value (RFC 6265bis section 5.7)',
      ignored,
    );
  }

  const scope = placeCookie(parsed, url);
  if ('code' in scope) return reject(scope.code, scope.reason, ignored);

  if (parsed.secure && url !== undefined && !isSecureRequest(url)) {
    return reject(
      'SECURE_FROM_INSECURE_ORIGIN',
      'a Secure cookie cannot be set over a non-secure connection (RFC 6265bis section 5.7)',
      ignored,
    );
  }
  if (parsed.sameSite === 'None' && !parsed.secure) {
    return reject(
      'SAMESITE_NONE_INSECURE',
      'SameSite=None needs Secure (RFC 6265bis section 5.7)',
      ignored,
    );
  }
  if (parsed.partitioned && !parsed.secure) {
    return reject('PARTITIONED_INSECURE', 'Partitioned needs Secure (CHIPS)', ignored);
  }
  const prefixProblem = checkPrefix(parsed, scope.hostOnly, scope.path);
  if (prefixProblem !== undefined) return reject('PREFIX_VIOLATION', prefixProblem, ignored);

  return {
    stored: true,
    cookie: {
      name: parsed.name,
      value: parsed.value,
      domain: scope.domain,
      hostOnly: scope.hostOnly,
      path: scope.path,
      expires: parsed.expiresAt === undefined ? null : new Date(parsed.expiresAt),
      secure: parsed.secure,
      httpOnly: parsed.httpOnly,
      sameSite: parsed.sameSite,
      partitioned: parsed.partitioned,
    },
    ignoredAttributes: ignored,
  };
}

type Scope =
  | { domain: string; hostOnly: boolean; path: string }
  | { code: SetCookieRejectionCode; reason: string };

// The domain and path steps of section 5.7: Domain must be ASCII, no public suffix and matched
// by the host; without it the cookie is host-only. Path falls back to the default path.
function placeCookie(parsed: ParsedSetCookie, url: URL | undefined): Scope {
  const host = url === undefined ? '' : canonicalHost(url);
  let domain = parsed.domain ?? '';

  if (/[\u0080-\uffff]/.test(domain)) {
    return {
      code: 'DOMAIN_NOT_ASCII',
      reason: 'Domain holds a non-ASCII character (RFC 6265bis section 5.7)',
    };
  }
  if (domain !== '' && isPublicSuffix(domain)) {
    // A host may still set a cookie for itself with Domain=its-own-name: it becomes host-only.
    if (domain !== host) {
      return {
        code: 'DOMAIN_PUBLIC_SUFFIX',
        reason: 'Domain is a public suffix other than the host (RFC 6265bis section 5.7)',
      };
    }
    domain = '';
  }
  if (domain !== '' && url !== undefined && !domainMatches(host, domain)) {
    return {
      code: 'DOMAIN_MISMATCH',
      reason: 'the request host does not domain-match Domain (RFC 6265bis section 5.7)',
    };
  }

  const path = parsed.path ?? (url === undefined ? '' : defaultPath(url));
  return domain === '' ? { domain: host, hostOnly: true, path } : { domain, hostOnly: false, path };
}

// The prefix steps of section 5.7. A nameless cookie must not pass for a prefixed one either,
// since it is sent as its bare value ("Set-Cookie: =__Host-x=1" would come back as "__Host-x=1").
function checkPrefix(parsed: ParsedSetCookie, hostOnly: boolean, path: string): string | undefined {
  if (parsed.name === '') {
    if (cookiePrefixOf(parsed.value) !== undefined) {
      return 'a nameless cookie must not start its value with a prefix (RFC 6265bis 5.7)';
    }
    return undefined;
  }
  const prefix = cookiePrefixOf(parsed.name);
  if (prefix === undefined) return undefined;
  if (!parsed.secure) return `a ${prefix} cookie needs Secure (RFC 6265bis section 5.7)`;
  if (prefix === '__Host-' || prefix === '__Host-Http-') {
    if (!hostOnly) return `a ${prefix} cookie must not have Domain (RFC 6265bis section 5.7)`;
    if (!parsed.hasPath || path !== '/') {
      return `a ${prefix} cookie needs Path=/ (RFC 6265bis section 5.7)`;
    }
  }
  if ((prefix === '__Http-' || prefix === '__Host-Http-') && !parsed.httpOnly) {
    return `a ${prefix} cookie needs HttpOnly (RFC 6265bis section 5.7)`;
  }
  return undefined;
}

function toUrl(requestUrl: unknown): URL | null {
  if (requestUrl instanceof URL) return new URL(requestUrl.href);
  if (typeof requestUrl !== 'string') return null;
  try {
    return new URL(requestUrl);
  } catch {
    return null;
  }
}

function readNowMs(now: unknown): number | undefined {
  if (now === undefined) return Date.now();
  const ms = now instanceof Date ? now.getTime() : now;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}

function reject(
  code: SetCookieRejectionCode,
  reason: string,
  ignoredAttributes: IgnoredAttribute[],
): SetCookieResult {
  return { stored: false, code, reason, ignoredAttributes };
}
