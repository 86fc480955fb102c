/**
 * The longest lifetime a browser keeps a cookie for: 400 days, in seconds (34 560 000).
 * Browsers clamp a longer `Max-Age` or `Expires` to this, so `serializeSetCookie` refuses a
 * longer one instead of writing a promise the browser will not keep.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6.1
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6.2
 */
export const MAX_COOKIE_LIFETIME_SECONDS = 400 * 24 * 60 * 60;

/**
 * The largest name plus value a browser stores, in bytes. A longer pair makes the browser
 * ignore the whole Set-Cookie header.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export const MAX_COOKIE_NAME_VALUE_BYTES = 4096;

/**
 * The largest attribute value (such as `Domain` or `Path`) a browser reads, in bytes. A longer
 * one makes the browser ignore that attribute, which would silently widen the cookie's scope.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export const MAX_COOKIE_ATTRIBUTE_VALUE_BYTES = 1024;
