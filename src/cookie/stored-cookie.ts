// The shapes `parseSetCookie` and `CookieJar` hand back: what a browser would keep for one
// Set-Cookie line, or why it would keep nothing.

/**
 * A cookie's same-site-flag. `Default` means the line had no valid `SameSite` attribute: RFC
 * 6265bis treats it like `Lax` when sending (Chromium's "Lax by default"; Firefox and Safari
 * send such a cookie as if it were `None`).
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6.7
 */
export type SameSiteEnforcement = 'Strict' | 'Lax' | 'None' | 'Default';

/**
 * One cookie as a browser stores it after a Set-Cookie line (the cookie record of RFC 6265bis
 * section 5.7). Name and value are kept exactly as received: nothing is decoded or unquoted.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export interface StoredCookie {
  /** The cookie-name, without surrounding spaces and tabs; empty for a nameless cookie. */
  name: string;
  /** The cookie-value, without surrounding spaces and tabs; double quotes are kept. */
  value: string;
  /**
   * The canonical host that set it (host-only) or the Domain attribute, lower case, without a
   * leading dot. `''` for a host-only cookie parsed without a request URL.
   */
  domain: string;
  /** True when the cookie goes only to `domain` itself, not to its subdomains (no Domain). */
  hostOnly: boolean;
  /**
   * The Path attribute, or the default path (the request path up to its last `/`). `''` when
   * there was no valid Path and no request URL to take the default from.
   */
  path: string;
  /**
   * When the browser deletes it, at most 400 days ahead; `null` for a session cookie. A time
   * at or before now means the line deletes the matching cookie instead of setting one.
   */
  expires: Date | null;
  /** Sent only over secure connections (`https:`, `wss:`, or a loopback host). */
  secure: boolean;
  /** Hidden from `document.cookie` and other non-HTTP APIs. */
  httpOnly: boolean;
  /** The same-site-flag; see {@link SameSiteEnforcement}. */
  sameSite: SameSiteEnforcement;
  /** Kept per top-level site (CHIPS, draft-cutler-httpbis-partitioned-cookies). */
  partitioned: boolean;
}

/**
 * An attribute of the line that changed nothing, and why: not a cookie attribute, an invalid
 * value, a value over 1024 octets, or an attribute that a later one overrides.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export interface IgnoredAttribute {
  /** The attribute as it appeared in the line, without surrounding spaces and tabs. */
  attribute: string;
  /** Why it was ignored, naming the RFC 6265bis section. */
  reason: string;
}

/**
 * Why a browser would ignore a whole Set-Cookie line. Stable: branch on the code, not on the
 * reason text.
 *
 * - `INVALID_INPUT`: the line is not a string, the request URL does not parse, or `now` is not
 *   a valid time.
 * - `UNSUPPORTED_SCHEME`: the request URL is not `http:`, `https:`, `ws:` or `wss:`.
 * - `CONTROL_CHARACTER`: the line holds a control character other than tab (5.6).
 * - `EMPTY_COOKIE`: both name and value are empty (5.7).
 * - `TOO_LARGE`: name and value together exceed 4096 octets (5.6).
 * - `DOMAIN_NOT_ASCII`: the Domain attribute holds a non-ASCII character (5.7).
 * - `DOMAIN_PUBLIC_SUFFIX`: the Domain attribute is a public suffix other than the host (5.7).
 * - `DOMAIN_MISMATCH`: the request host does not domain-match the Domain attribute (5.7).
 * - `SECURE_FROM_INSECURE_ORIGIN`: `Secure` set over a non-secure connection (5.7).
 * - `SAMESITE_NONE_INSECURE`: `SameSite=None` without `Secure` (5.7).
 * - `PARTITIONED_INSECURE`: `Partitioned` without `Secure` (CHIPS).
 * - `PREFIX_VIOLATION`: a `__Secure-`, `__Host-`, `__Http-` or `__Host-Http-` cookie without the
 *   attributes its prefix demands, or a nameless cookie whose value starts with one (5.7).
 *
 * Only a `CookieJar` decides these, because they depend on what it already holds or on
 * how the line arrived:
 *
 * - `HTTP_ONLY_FROM_NON_HTTP_API`: an `HttpOnly` cookie set through a non-HTTP API (5.7).
 * - `OVERWRITES_SECURE`: a non-secure origin would shadow a `Secure` cookie (5.7).
 * - `SAMESITE_CROSS_SITE`: a cross-site subresource response sets a non-`None` cookie (5.7).
 * - `OVERWRITES_HTTP_ONLY`: a non-HTTP API would replace an `HttpOnly` cookie (5.7).
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export type SetCookieRejectionCode =
  | 'INVALID_INPUT'
  | 'UNSUPPORTED_SCHEME'
  | 'CONTROL_CHARACTER'
  | 'EMPTY_COOKIE'
  | 'TOO_LARGE'
  | 'DOMAIN_NOT_ASCII'
  | 'DOMAIN_PUBLIC_SUFFIX'
  | 'DOMAIN_MISMATCH'
  | 'SECURE_FROM_INSECURE_ORIGIN'
  | 'SAMESITE_NONE_INSECURE'
  | 'PARTITIONED_INSECURE'
  | 'PREFIX_VIOLATION'
  | 'HTTP_ONLY_FROM_NON_HTTP_API'
  | 'OVERWRITES_SECURE'
  | 'SAMESITE_CROSS_SITE'
  | 'OVERWRITES_HTTP_ONLY';

/**
 * What a browser does with one Set-Cookie line: stores `cookie` (`stored: true`), or ignores the
 * line entirely (`stored: false`) for the reason `code`. Either way, `ignoredAttributes` lists
 * every attribute that had no effect, in the order of the line.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export type SetCookieResult =
  | { stored: true; cookie: StoredCookie; ignoredAttributes: IgnoredAttribute[] }
  | {
      stored: false;
      code: SetCookieRejectionCode;
      /** A sentence naming the rule and its section; never holds the cookie's value. */
      reason: string;
      ignoredAttributes: IgnoredAttribute[];
    };
