import { CookieError } from './errors.js';
import { parseSetCookie } from './parse-set-cookie.js';
import { isSentWith, serializeCookieString } from './retrieve.js';
import { domainMatches, isSecureRequest, pathMatches } from './scope.js';

import type { CookieRequestOptions } from './retrieve.js';
import type { SetCookieRejectionCode, SetCookieResult, StoredCookie } from './stored-cookie.js';

/** Options of {@link CookieJar}. */
export interface CookieJarOptions {
  /**
   * The clock: the current time in milliseconds since the Unix epoch (a `Clock`'s `now`).
   * Expiry, Max-Age and creation times all read it. Default: `Date.now`.
   */
  now?: (() => number) | undefined;
}

/**
 * A cookie in the jar: what was stored, and its creation-time, which orders cookies of equal
 * path length in the Cookie header.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
 */
export interface JarCookie extends StoredCookie {
  /** When a cookie of this name, domain and path was first stored; replacing keeps it. */
  creationTime: Date;
}

interface Entry {
  cookie: StoredCookie;
  creationTime: number;
  // Breaks ties between equal creation times (a fixed clock) in the order cookies arrived.
  order: number;
}

/**
 * A cookie store that behaves like a browser's, for test clients and auditors: it stores what
 * {@link parseSetCookie} accepts, replaces and deletes as RFC 6265bis section 5.7 says, and
 * builds the `Cookie` header of section 5.8.3. Time comes from an injected clock.
 *
 * Not modelled: per-domain and total cookie limits (and so eviction), the last-access time,
 * third-party cookie blocking, and partitions (every request counts as first-party, so
 * `Partitioned` cookies are sent like the others; they never replace unpartitioned ones).
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export class CookieJar {
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  #nextOrder = 0;

  constructor(options: CookieJarOptions = {}) {
    const now: unknown = options.now ?? Date.now;
    if (typeof now !== 'function') {
      throw new CookieError(
        'COOKIE_ATTRIBUTE_INVALID',
        'the now option of CookieJar must be a function returning milliseconds since the epoch.',
      );
    }
    this.#clock = now as () => number;
  }

  /**
   * Handles one `Set-Cookie` field value received from `url`, and says what became of it (see
   * {@link SetCookieResult}). Beyond `parseSetCookie`, it refuses a non-secure origin shadowing
   * a `Secure` cookie, a `SameSite` other than `None` from a `cross-site` response, and, with
   * `api: 'non-http'`, any `HttpOnly` cookie or a replacement of one. A stored cookie replaces
   * the one of the same name, domain, host-only flag and path, keeping its creation time; an
   * expiry at or before now deletes it. Throws only the `TypeError` of `new URL` for a bad URL.
   *
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
   */
  setCookie(line: string, url: URL | string, options: CookieRequestOptions = {}): SetCookieResult {
    const target = new URL(String(url));
    const now = this.#now();
    const result = parseSetCookie(line, target, { now });
    if (!result.stored) return result;

    const cookie = result.cookie;
    const api = options.api ?? 'http';
    if (api === 'non-http' && cookie.httpOnly) {
      return refuse(
        'HTTP_ONLY_FROM_NON_HTTP_API',
        'a script cannot set an HttpOnly cookie',
        result,
      );
    }
    if (!cookie.secure && !isSecureRequest(target) && this.#shadowsSecure(cookie, now)) {
      return refuse(
        'OVERWRITES_SECURE',
        'a non-secure origin cannot shadow a Secure cookie of the same name',
        result,
      );
    }
    if (cookie.sameSite !== 'None' && options.sameSiteContext === 'cross-site') {
      return refuse(
        'SAMESITE_CROSS_SITE',
        'a cross-site subresource can set only SameSite=None cookies',
        result,
      );
    }

    const key = identity(cookie);
    const old = this.#entries.get(key);
    if (old !== undefined && api === 'non-http' && old.cookie.httpOnly) {
      return refuse('OVERWRITES_HTTP_ONLY', 'a script cannot replace an HttpOnly cookie', result);
    }
    this.#entries.delete(key);
    // Storing an expired cookie and evicting it at once is how a server deletes one.
    if (cookie.expires === null || cookie.expires.getTime() > now) {
      this.#entries.set(key, {
        cookie: copyCookie(cookie),
        creationTime: old?.creationTime ?? now,
        order: old?.order ?? this.#nextOrder++,
      });
    }
    return result;
  }

  /**
   * Handles every `Set-Cookie` field of one response, in order: what Fetch's
   * `headers.getSetCookie()` or Node's `response.headers['set-cookie']` gives. RFC 6265bis
   * section 3 asks servers not to fold them into one field, so a string is one field.
   *
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
   */
  storeResponse(
    setCookieLines: string | readonly string[] | undefined,
    url: URL | string,
    options: CookieRequestOptions = {},
  ): SetCookieResult[] {
    const lines = setCookieLines === undefined ? [] : [setCookieLines].flat();
    return lines.map((line) => this.setCookie(line, url, options));
  }

  /**
   * The cookies a browser sends with a request to `url`, in sending order: longer paths first,
   * then earlier creation times (RFC 6265bis section 5.8.3). Copies: changing them changes
   * nothing in the jar.
   *
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
   */
  getCookies(url: URL | string, options: CookieRequestOptions = {}): JarCookie[] {
    const target = new URL(String(url));
    this.#evictExpired(this.#now());
    return [...this.#entries.values()]
      .filter((entry) => isSentWith(entry.cookie, target, options))
      .sort(
        (a, b) =>
          b.cookie.path.length - a.cookie.path.length ||
          a.creationTime - b.creationTime ||
          a.order - b.order,
      )
      .map(toJarCookie);
  }

  /**
   * The `Cookie` header value a browser sends with a request to `url`, or `''` when it sends
   * none. With `api: 'non-http'` it is what `document.cookie` reads instead: the same string
   * without `HttpOnly` cookies. Values are the stored octets, one character each.
   *
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
   */
  getCookieHeader(url: URL | string, options: CookieRequestOptions = {}): string {
    return serializeCookieString(this.getCookies(url, options));
  }

  /** Every cookie the jar holds that has not expired, in the order they were first stored. */
  allCookies(): JarCookie[] {
    this.#evictExpired(this.#now());
    return [...this.#entries.values()].sort((a, b) => a.order - b.order).map(toJarCookie);
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#entries.clear();
  }

  #now(): number {
    const now = this.#clock();
    if (!Number.isFinite(now)) {
      throw new CookieError('COOKIE_ATTRIBUTE_INVALID', 'the CookieJar clock returned no time.');
    }
    return now;
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#entries) {
      const expires = entry.cookie.expires;
      if (expires !== null && expires.getTime() <= now) this.#entries.delete(key);
    }
  }

  // The "leave Secure cookies alone" rule of section 5.7: from a non-secure origin, no cookie may
  // take the name of a Secure cookie whose scope overlaps its own.
  #shadowsSecure(cookie: StoredCookie, now: number): boolean {
    this.#evictExpired(now);
    for (const { cookie: existing } of this.#entries.values()) {
      if (
        existing.secure &&
        existing.name === cookie.name &&
        (domainMatches(existing.domain, cookie.domain) ||
          domainMatches(cookie.domain, existing.domain)) &&
        pathMatches(cookie.path, existing.path)
      ) {
        return true;
      }
    }
    return false;
  }
}

function identity(cookie: StoredCookie): string {
  return JSON.stringify([
    cookie.name,
    cookie.domain,
    cookie.hostOnly,
    cookie.path,
    cookie.partitioned,
  ]);
}

function copyCookie(cookie: StoredCookie): StoredCookie {
  return { ...cookie, expires: cookie.expires === null ? null : new Date(cookie.expires) };
}

function toJarCookie(entry: Entry): JarCookie {
  return { ...copyCookie(entry.cookie), creationTime: new Date(entry.creationTime) };
}

function refuse(
  code: SetCookieRejectionCode,
  reason: string,
  from: Pick<SetCookieResult, 'ignoredAttributes'>,
): SetCookieResult {
  const ignoredAttributes = from.ignoredAttributes;
  return { stored: false, code, reason: `${reason} (RFC 6265bis section 5.7)`, ignoredAttributes };
}
