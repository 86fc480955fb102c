import { canonicalHost, domainMatches, isSecureRequest, pathMatches } from './scope.js';

import type { StoredCookie } from './stored-cookie.js';

/**
 * How the request relates to the site of the page that makes it (RFC 6265bis section 5.2):
 *
 * - `same-site`: the page and the URL are on the same site, or there is no page (a top-level
 *   navigation typed by the user). Every cookie goes.
 * - `cross-site-navigation`: a link from another site opens the URL as the top-level page.
 *   `Lax` and `Default` cookies go with a safe method (GET, HEAD, OPTIONS, TRACE); `Strict` ones
 *   do not.
 * - `cross-site`: any other request from another site (an image, a fetch, a form POST in a
 *   frame). Only `SameSite=None` cookies go.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
 */
export type SameSiteContext = 'same-site' | 'cross-site-navigation' | 'cross-site';

/**
 * Whether cookies move through HTTP headers (`http`) or a script API such as `document.cookie`
 * (`non-http`), which can neither read nor write `HttpOnly` cookies.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.2
 */
export type CookieApi = 'http' | 'non-http';

/** The request a cookie is sent with or received from, beyond its URL. */
export interface CookieRequestOptions {
  /** See {@link SameSiteContext}. Default: `same-site`. */
  sameSiteContext?: SameSiteContext | undefined;
  /** The request method; only matters for `cross-site-navigation`. Default: `GET`. */
  method?: string | undefined;
  /** See {@link CookieApi}. Default: `http`. */
  api?: CookieApi | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Whether a browser sends `cookie` with a request to `url` (the cookie-list rules of RFC 6265bis
 * section 5.8.3): host or domain match, path-match, `Secure` only over a secure connection,
 * `HttpOnly` only over HTTP, and the same-site rules. Expiry is the caller's to check.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
 */
export function isSentWith(
  cookie: StoredCookie,
  url: URL,
  options: CookieRequestOptions = {},
): boolean {
  const host = canonicalHost(url);
  const hostMatches = cookie.hostOnly ? host === cookie.domain : domainMatches(host, cookie.domain);
  if (!hostMatches || !pathMatches(url.pathname, cookie.path)) return false;
  if (cookie.secure && !isSecureRequest(url)) return false;
  if (cookie.httpOnly && options.api === 'non-http') return false;

  const context = options.sameSiteContext ?? 'same-site';
  if (cookie.sameSite === 'None' || context === 'same-site') return true;
  // Section 5.8.3 sends Default like Lax: the "Lax by default" of Chromium.
  const laxLike = cookie.sameSite === 'Lax' || cookie.sameSite === 'Default';
  const method = (options.method ?? 'GET').toUpperCase();
  return context === 'cross-site-navigation' && laxLike && SAFE_METHODS.has(method);
}

/**
 * The cookie-string of RFC 6265bis section 5.8.3: `name=value` pairs joined by `; `, a nameless
 * cookie as its bare value. The cookies must already be in sending order.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.8.3
 */
export function serializeCookieString(
  cookies: readonly Pick<StoredCookie, 'name' | 'value'>[],
): string {
  return cookies.map(({ name, value }) => (name === '' ? value : `${name}=${value}`)).join('; ');
}
