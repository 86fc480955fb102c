/**
 * Why the cookie codec refused to serialize a cookie. The codes are stable: callers and tests
 * branch on them, never on the message.
 *
 * - `COOKIE_NAME_INVALID`: the name is empty or not an RFC 9110 token.
 * - `COOKIE_VALUE_INVALID`: the value holds a character outside cookie-octet.
 * - `COOKIE_TOO_LARGE`: name and value together exceed 4096 bytes.
 * - `COOKIE_ATTRIBUTE_INVALID`: an option has the wrong type, shape or size.
 * - `COOKIE_LIFETIME_TOO_LONG`: `maxAge` or `expires` reaches past the 400-day cap.
 * - `COOKIE_SAMESITE_NONE_INSECURE`: `SameSite=None` without `Secure`.
 * - `COOKIE_PARTITIONED_INSECURE`: `Partitioned` without `Secure`.
 * - `COOKIE_PREFIX_VIOLATION`: a `__Secure-`, `__Host-`, `__Http-` or `__Host-Http-` name
 *   without the attributes its prefix demands.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1
 */
export type CookieErrorCode =
  | 'COOKIE_NAME_INVALID'
  | 'COOKIE_VALUE_INVALID'
  | 'COOKIE_TOO_LARGE'
  | 'COOKIE_ATTRIBUTE_INVALID'
  | 'COOKIE_LIFETIME_TOO_LONG'
  | 'COOKIE_SAMESITE_NONE_INSECURE'
  | 'COOKIE_PARTITIONED_INSECURE'
  | 'COOKIE_PREFIX_VIOLATION';

/**
 * A cookie that `serializeSetCookie` refuses to write, because a browser would drop it, misread
 * it, or because it breaks the Set-Cookie grammar. Raised by a mistake in configuration or code,
 * never by a request: parsing a `Cookie` header does not throw.
 *
 * The message starts with `latchkey:`, names the rule and the fix, and never contains the
 * cookie's value.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.1
 */
export class CookieError extends Error {
  /** Stable, machine-readable reason; see {@link CookieErrorCode}. */
  readonly code: CookieErrorCode;

  constructor(code: CookieErrorCode, message: string) {
    super(`latchkey: ${message}`);
    this.name = 'CookieError';
    this.code = code;
  }
}
