// The server-side grammar of RFC 6265bis section 4.1.1, one expression per rule. Serialization
// only writes what these accept; parsing does not use them (it is deliberately tolerant).

/**
 * cookie-name = token (RFC 9110 section 5.6.2)
 * token       = 1*tchar
 * tchar       = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`"
 *             / "|" / "~" / DIGIT / ALPHA
 */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** One tchar: locates the first character of a name that is not one. */
export const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
 * cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 *              ; US-ASCII except CTLs, whitespace, DQUOTE, comma, semicolon and backslash
 */
export const COOKIE_VALUE =
  /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;
/** One cookie-octet: locates the first character of a value that is not one. */
export const COOKIE_OCTET = /[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/;

/**
 * av-octet = %x20-3A / %x3C-7E ; any CHAR except CTLs or ";"
 *
 * Used for every free-text attribute value (`Domain`, `Path`). CHAR is US-ASCII, so this also
 * refuses anything beyond U+007F.
 */
export const AV_OCTETS = /^[\x20-\x3A\x3C-\x7E]*$/;
/** One av-octet: locates the first character of an attribute value that is not one. */
export const AV_OCTET = /[\x20-\x3A\x3C-\x7E]/;

/**
 * One character of a `path` option before it is encoded: an av-octet, or any character beyond
 * ASCII (written percent-encoded). Control characters and ";" stay refused.
 */
export const PATH_CHAR = /[\x20-\x3A\x3C-\x7E\u0080-\uFFFF]/;

/**
 * domain-value = <subdomain> (RFC 1034 section 3.5, as enhanced by RFC 1123 section 2.1)
 * subdomain    = label *( "." label )
 * label        = let-dig [ *61let-dig-hyp let-dig ]
 *
 * Deliberately wider in one way: a label may also hold "_" and start or end with "-". Host
 * names like `_dmarc.example.com` or `-x.example.com` exist outside the host-name rules, and
 * browsers store a cookie for them as asked (Chromium does; see the oracle test), so refusing
 * them would protect no one. Lengths stay as DNS has them: 1 to 63 characters a label.
 *
 * The caller checks the total length (at most 253 characters) first, which also bounds the
 * work this expression can do.
 */
const LABEL = '[0-9A-Za-z_-]{1,63}';
export const DOMAIN_VALUE = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
/** The longest host name, in characters (RFC 1034 section 3.1 allows 255 octets on the wire). */
export const MAX_DOMAIN_LENGTH = 253;

/**
 * Where the first character that `allowed` (a one-character expression) refuses sits in
 * `text`, or -1. Only called on the error path, to make a message precise.
 */
export function indexOfDisallowed(
  text: string,
  allowed: RegExp,
  from = 0,
  to = text.length,
): number {
  for (let index = from; index < to; index++) {
    if (!allowed.test(text.charAt(index))) return index;
  }
  return -1;
}

/** `U+000A`: how a message names a character without printing it raw. */
export function codePointName(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
