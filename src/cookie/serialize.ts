import {
  formatDomain,
  formatExpires,
  formatMaxAge,
  formatPath,
  invalid,
  readChoice,
  readFlag,
  readNow,
} from './attributes.js';
import { CookieError } from './errors.js';
import {
  COOKIE_OCTET,
  COOKIE_VALUE,
  TCHAR,
  TOKEN,
  codePointName,
  indexOfDisallowed,
} from './grammar.js';
import { MAX_COOKIE_NAME_VALUE_BYTES } from './limits.js';
import { checkCookiePrefix } from './prefix.js';

/**
 * When the browser sends the cookie with requests that come from another site.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.2.7
 */
export type SameSite = 'Strict' | 'Lax' | 'None';

/**
 * Which cookies Chromium evicts first when a site has too many. Other browsers ignore it.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-west-cookie-priority-00
 */
export type CookiePriority = 'Low' | 'Medium' | 'High';

/**
 * The attributes of one `Set-Cookie` header. Every field is optional; an absent (or
 * `undefined`) field writes no attribute, except `path`, which defaults to `/`.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.1
 */
export interface SetCookieOptions {
  /**
   * When the browser deletes the cookie, as an absolute time, written as an IMF-fixdate. Must
   * be a valid Date at most 400 days after `now`. A time at or before `now` deletes the cookie,
   * and is always written as `Thu, 01 Jan 1970 00:00:00 GMT`: browsers read that date alike,
   * while they read a year before 1601 as no date at all (a session cookie instead of a
   * deletion). One kind of past Date is refused: a year below 100 that a browser would read as
   * a two-digit year still to come (the year 30 reads as 2030), which is nearly always a slip.
   * Default: none (a session cookie, unless `maxAge` is set).
   * See RFC 6265bis sections 4.1.2.1, 5.1.1 and 5.6.1.
   */
  expires?: Date | undefined;
  /**
   * How long the browser keeps the cookie, in whole seconds: at most 34 560 000 (400 days).
   * `0` deletes the cookie; so does a negative number, as browsers treat it, and it is written
   * as `Max-Age=0`. Browsers obey `Max-Age` over `Expires` when both are set. Default: none.
   * See RFC 6265bis sections 4.1.2.2 and 5.6.2.
   */
  maxAge?: number | undefined;
  /**
   * The host, and its subdomains, that receive the cookie: an ASCII host name, in labels of
   * letters, digits, `-` and `_`. One leading dot is accepted and dropped, as browsers drop it:
   * `.example.com` is written `Domain=example.com`, which covers the subdomains just the same.
   * Default: none, which keeps the cookie on the host that set it (the safer choice; a
   * `__Host-` cookie must not have one). See RFC 6265bis sections 4.1.2.3 and 5.6.3.
   */
  domain?: string | undefined;
  /**
   * The URL path prefix that receives the cookie; must start with `/`. Default: `/`. Without a
   * Path a browser scopes the cookie to the directory of the URL that set it, so that a logout
   * route elsewhere cannot clear it; `/` is also what a `__Host-` cookie requires.
   *
   * Characters beyond ASCII are written percent-encoded as UTF-8 (`/café` becomes
   * `/caf%C3%A9`), the form in which a browser sees the request path it compares the cookie's
   * path with; `%` is left alone, so an already encoded path is written as given. Limitation:
   * other characters that browsers encode in a request path, such as a space, are written as
   * given, and a browser stores that cookie but never sends it; encode them yourself, and do
   * not put `?` or `#` in a path. See RFC 6265bis sections 4.1.2.4 and 5.1.4.
   */
  path?: string | undefined;
  /**
   * Sends the cookie only over secure connections (browsers count `http://localhost` as
   * secure). Default: false. See RFC 6265bis section 4.1.2.5.
   */
  secure?: boolean | undefined;
  /**
   * Hides the cookie from script (`document.cookie`). Default: false.
   * See RFC 6265bis section 4.1.2.6.
   */
  httpOnly?: boolean | undefined;
  /**
   * Whether cross-site requests carry the cookie. `None` requires `secure`. Default: none
   * (browsers then apply their own default, usually `Lax`). JavaScript callers may write it in
   * any letter case (`'lax'`), as browsers read it; it is always written as `Strict`, `Lax` or
   * `None`. See RFC 6265bis sections 4.1.2.7 and 5.6.7.
   */
  sameSite?: SameSite | undefined;
  /**
   * Stores the cookie per top-level site (CHIPS). Requires `secure`. Default: false.
   * See https://datatracker.ietf.org/doc/html/draft-cutler-httpbis-partitioned-cookies.
   */
  partitioned?: boolean | undefined;
  /**
   * Chromium's eviction priority. Default: none (Chromium uses `Medium`). Like `sameSite`,
   * matched in any letter case, as Chromium reads it, and written as `Low`, `Medium` or `High`.
   */
  priority?: CookiePriority | undefined;
  /**
   * The current time that `expires` is checked against for the 400-day cap: a Date, or
   * milliseconds since the Unix epoch (what a `Clock` returns). Not written into the header.
   * Default: `Date.now()`.
   */
  now?: Date | number | undefined;
}

const SAME_SITE_VALUES: readonly SameSite[] = ['Strict', 'Lax', 'None'];
const PRIORITY_VALUES: readonly CookiePriority[] = ['Low', 'Medium', 'High'];

/**
 * Writes the value of one `Set-Cookie` header. Strict: it throws a {@link CookieError} rather
 * than write a cookie that a browser would drop, alter or misread, or whose name or value
 * breaks the server grammar of RFC 6265bis section 4.1.1 (see `CookieErrorCode` for the
 * reasons). The name and value are written as given, not encoded: encode the value first (for
 * example with `encodeURIComponent`) if it may hold other characters.
 *
 * An option that browsers read the same as a canonical spelling is accepted and written in
 * that spelling, so that every meaning has one form on the wire:
 *
 * - `domain` with one leading dot: written without it (`.example.com` as `example.com`).
 * - `path` beyond ASCII: percent-encoded as UTF-8 (`/café` as `/caf%C3%A9`).
 * - `maxAge` below zero: written as `Max-Age=0`.
 * - `expires` at or before `now`, whatever the year: written as the Unix epoch.
 * - `sameSite` and `priority` in any letter case: written as `Lax`, `High` and so on.
 *
 * Attributes always come in this order: `Expires`, `Max-Age`, `Domain`, `Path`, `Secure`,
 * `HttpOnly`, `SameSite`, `Partitioned`, `Priority`.
 *
 * @example
 * serializeSetCookie('auth_token', 'secure_token_value', {
 *   httpOnly: true,
 *   secure: true,
 *   sameSite: 'Strict',
 * });
 * // 'auth_token=secure_token_value; Path=/; Secure; HttpOnly; SameSite=Strict'
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1
 */
export function serializeSetCookie(
  name: string,
  value: string,
  options: SetCookieOptions = {},
): string {
  checkName(name);
  checkValue(name, value);
  // Both are ASCII by now, so lengths are sizes in bytes.
  if (name.length + value.length > MAX_COOKIE_NAME_VALUE_BYTES) {
    throw new CookieError(
      'COOKIE_TOO_LARGE',
      `cookie "${name}" has a name and value of ${name.length + value.length} bytes; browsers` +
        ` ignore a cookie over ${MAX_COOKIE_NAME_VALUE_BYTES} (RFC 6265bis section 5.6). Keep` +
        ' the data on the server and put only an identifier in the cookie.',
    );
  }
  const input: unknown = options;
  if (typeof input !== 'object' || input === null) invalid('options', 'must be an object');

  const nowMs = readNow(options.now);
  const expires =
    options.expires === undefined ? undefined : formatExpires(name, options.expires, nowMs);
  const maxAge = options.maxAge === undefined ? undefined : formatMaxAge(name, options.maxAge);
  const domain = options.domain === undefined ? undefined : formatDomain(options.domain);
  const path = options.path === undefined ? '/' : formatPath(options.path);
  const secure = readFlag('secure', options.secure);
  const httpOnly = readFlag('httpOnly', options.httpOnly);
  const sameSite = readChoice('sameSite', options.sameSite, SAME_SITE_VALUES);
  const partitioned = readFlag('partitioned', options.partitioned);
  const priority = readChoice('priority', options.priority, PRIORITY_VALUES);

  if (sameSite === 'None' && !secure) {
    throw new CookieError(
      'COOKIE_SAMESITE_NONE_INSECURE',
      `cookie "${name}" has SameSite=None without Secure, which browsers reject (RFC 6265bis` +
        ' section 5.7); set secure: true, or choose sameSite Lax or Strict.',
    );
  }
  if (partitioned && !secure) {
    throw new CookieError(
      'COOKIE_PARTITIONED_INSECURE',
      `cookie "${name}" is Partitioned without Secure, which browsers reject (CHIPS); set` +
        ' secure: true, or drop partitioned.',
    );
  }
  checkCookiePrefix({ name, secure, httpOnly, domain, path });

  let header = `${name}=${value}`;
  if (expires !== undefined) header += `; Expires=${expires}`;
  if (maxAge !== undefined) header += `; Max-Age=${maxAge}`;
  if (domain !== undefined) header += `; Domain=${domain}`;
  header += `; Path=${path}`;
  if (secure) header += '; Secure';
  if (httpOnly) header += '; HttpOnly';
  if (sameSite !== undefined) header += `; SameSite=${sameSite}`;
  if (partitioned) header += '; Partitioned';
  if (priority !== undefined) header += `; Priority=${priority}`;
  return header;
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new CookieError(
      'COOKIE_NAME_INVALID',
      'a cookie name must be a non-empty string (RFC 6265bis section 4.1.1).',
    );
  }
  if (!TOKEN.test(name)) {
    // The name is not echoed: it may hold line breaks or other bytes unfit for a log line.
    const bad = indexOfDisallowed(name, TCHAR);
    throw new CookieError(
      'COOKIE_NAME_INVALID',
      `a cookie name must be an RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~), found` +
        ` ${codePointName(name, bad)} at index ${bad}; rename the cookie.`,
    );
  }
}

function checkValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new CookieError('COOKIE_VALUE_INVALID', `cookie "${name}" needs a string value.`);
  }
  if (!COOKIE_VALUE.test(value)) {
    // Only the position is reported: the value may be a secret and never enters a message.
    const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
    const bad = quoted
      ? indexOfDisallowed(value, COOKIE_OCTET, 1, value.length - 1)
      : indexOfDisallowed(value, COOKIE_OCTET);
    throw new CookieError(
      'COOKIE_VALUE_INVALID',
      `cookie "${name}" has a value with a character outside cookie-octet at index ${bad}` +
        ' (RFC 6265bis section 4.1.1 allows printable ASCII except space, DQUOTE, comma,' +
        ' semicolon and backslash); encode the value, for example with encodeURIComponent.',
    );
  }
}
