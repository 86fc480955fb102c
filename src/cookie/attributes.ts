import { parseCookieDate } from './cookie-date.js';
import { CookieError } from './errors.js';
import {
  AV_OCTET,
  AV_OCTETS,
  DOMAIN_VALUE,
  MAX_DOMAIN_LENGTH,
  PATH_CHAR,
  codePointName,
  indexOfDisallowed,
} from './grammar.js';
import { MAX_COOKIE_ATTRIBUTE_VALUE_BYTES, MAX_COOKIE_LIFETIME_SECONDS } from './limits.js';
import { asciiLowerCase } from './set-cookie-attributes.js';

// Validators for the Set-Cookie options, one per attribute. Each takes the option as `unknown`
// because JavaScript callers can pass anything, and returns the text to write. Every refusal
// names the option and the fix; none prints the cookie's value.

const MAX_LIFETIME_MS = MAX_COOKIE_LIFETIME_SECONDS * 1000;
const UTF8 = new TextEncoder();

// What an Expires at or before now is written as. Every deletion gets this one spelling: a
// cookie-date parser (RFC 6265bis section 5.1.1) reads a year before 1601 as no date at all,
// which would turn the deletion into a session cookie, and this date is one every parser reads.
const DELETION_DATE = 'Thu, 01 Jan 1970 00:00:00 GMT';
// IMF-fixdate has a four-digit year (RFC 9110 section 5.6.7), and section 5.1.1 reads no year
// before 1601. Only reachable through a `now` outside these years.
const MIN_EXPIRES_YEAR = 1601;
const MAX_EXPIRES_YEAR = 9999;

/** The time `expires` is measured against, in milliseconds since the Unix epoch. */
export function readNow(now: unknown): number {
  if (now === undefined) return Date.now();
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    invalid('now', 'must be a valid Date or a finite number of milliseconds since the epoch');
  }
  return ms;
}

/**
 * `Expires` as an IMF-fixdate (RFC 9110 section 5.6.7), at most 400 days after `nowMs`. A time
 * at or before `nowMs` asks for deletion, and is written as the Unix epoch.
 */
export function formatExpires(name: string, expires: unknown, nowMs: number): string {
  if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) {
    invalid('expires', 'must be a valid Date');
  }
  const written = expires.toUTCString();
  if (expires.getTime() <= nowMs) {
    // A year below 100 comes out as "0030", which section 5.1.1 reads as the two-digit year 30,
    // that is 2030. Such a Date is nearly always a slip (year 30 meant as 2030), and the caller's
    // own date read by a browser would keep the cookie: refuse rather than guess which was meant.
    const read = parseCookieDate(written);
    if (read !== undefined && read > nowMs) {
      invalid(
        'expires',
        `is in the year ${expires.getUTCFullYear()}, which browsers read as a two-digit year` +
          ` (${new Date(read).getUTCFullYear()}); pass the full year, or use maxAge: 0 to delete`,
      );
    }
    return DELETION_DATE;
  }
  if (expires.getTime() - nowMs > MAX_LIFETIME_MS) {
    tooLong(name, 'expires', 'set expires at most 400 days ahead of now');
  }
  const year = expires.getUTCFullYear();
  if (year < MIN_EXPIRES_YEAR || year > MAX_EXPIRES_YEAR) {
    invalid(
      'expires',
      `must fall in the years ${MIN_EXPIRES_YEAR} to ${MAX_EXPIRES_YEAR} when it lies ahead of` +
        ' now; check the now option',
    );
  }
  // toUTCString() produces exactly IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  return written;
}

/**
 * `Max-Age` in whole seconds. Zero or less deletes the cookie (RFC 6265bis section 5.6.2), and
 * every deletion is written as `0`.
 */
export function formatMaxAge(name: string, maxAge: unknown): string {
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge)) {
    invalid('maxAge', 'must be a whole number of seconds (a safe integer)');
  }
  if (maxAge > MAX_COOKIE_LIFETIME_SECONDS) {
    tooLong(name, 'maxAge', `use at most ${MAX_COOKIE_LIFETIME_SECONDS} seconds`);
  }
  return maxAge <= 0 ? '0' : String(maxAge);
}

/**
 * `Domain`: a host name in ASCII (RFC 6265bis section 4.1.2.3). One leading dot is dropped, as
 * browsers drop it (section 5.6.3): `.example.com` and `example.com` mean the same.
 */
export function formatDomain(domain: unknown): string {
  const given = readAttributeText('domain', domain);
  const text = given.startsWith('.') ? given.slice(1) : given;
  if (text === '') {
    invalid('domain', 'must name a host; omit the option for a host-only cookie');
  }
  if (text.length > MAX_DOMAIN_LENGTH || !DOMAIN_VALUE.test(text)) {
    invalid(
      'domain',
      'must be a host name: dot-separated labels of letters, digits, "-" and "_", at most 63' +
        ` characters each and ${MAX_DOMAIN_LENGTH} in all, with at most one leading dot (write` +
        ' internationalized names in their xn-- form)',
    );
  }
  return text;
}

/**
 * `Path`: an absolute path (RFC 6265bis section 4.1.2.4). Characters beyond ASCII are written
 * percent-encoded as UTF-8, as a browser writes them in the path of a request URL, because it
 * compares the cookie's path with that encoded form.
 */
export function formatPath(path: unknown): string {
  if (typeof path !== 'string') invalid('path', 'must be a string');
  const bad = indexOfDisallowed(path, PATH_CHAR);
  if (bad !== -1) {
    invalid(
      'path',
      `must not hold a control character or ";", found ${codePointName(path, bad)} at index` +
        ` ${bad}; percent-encode it`,
    );
  }
  const text = percentEncodeNonAscii(path);
  // Every character is ASCII by now, so the length is the size in bytes.
  if (text.length > MAX_COOKIE_ATTRIBUTE_VALUE_BYTES) {
    invalid(
      'path',
      `must not exceed ${MAX_COOKIE_ATTRIBUTE_VALUE_BYTES} bytes once percent-encoded`,
    );
  }
  if (!text.startsWith('/')) {
    // A browser replaces a path that does not start with "/" by the request's directory.
    invalid('path', 'must start with "/"');
  }
  const last = text.charCodeAt(text.length - 1);
  if (last === 0x20) {
    invalid('path', 'must not end with a space, which browsers strip');
  }
  return text;
}

/** A boolean flag such as `secure`: only `true` writes the attribute. */
export function readFlag(option: string, flag: unknown): boolean {
  if (flag === undefined) return false;
  if (typeof flag !== 'boolean') invalid(option, 'must be true or false');
  return flag;
}

/**
 * One of a fixed set of keywords, such as `sameSite`, matched ASCII-case-insensitively as
 * browsers match attribute values, and returned in its canonical spelling (`'lax'` gives
 * `'Lax'`).
 */
export function readChoice<T extends string>(
  option: string,
  choice: unknown,
  allowed: readonly T[],
): T | undefined {
  if (choice === undefined) return undefined;
  const folded = typeof choice === 'string' ? asciiLowerCase(choice) : undefined;
  const found = allowed.find((spelling) => asciiLowerCase(spelling) === folded);
  if (found === undefined) {
    const spellings = allowed.map((spelling) => `'${spelling}'`).join(', ');
    invalid(option, `must be one of ${spellings} (in any letter case)`);
  }
  return found;
}

/** Refuses a cookie with `COOKIE_ATTRIBUTE_INVALID`, naming the option at fault. */
export function invalid(option: string, rule: string): never {
  throw new CookieError('COOKIE_ATTRIBUTE_INVALID', `the ${option} option ${rule}.`);
}

function readAttributeText(option: string, text: unknown): string {
  if (typeof text !== 'string') invalid(option, 'must be a string');
  if (!AV_OCTETS.test(text)) {
    const bad = indexOfDisallowed(text, AV_OCTET);
    invalid(
      option,
      `must not hold a control character, ";" or a non-ASCII character, found` +
        ` ${codePointName(text, bad)} at index ${bad}; percent-encode it`,
    );
  }
  // Every character is ASCII by now, so the length is the size in bytes.
  if (text.length > MAX_COOKIE_ATTRIBUTE_VALUE_BYTES) {
    invalid(option, `must not exceed ${MAX_COOKIE_ATTRIBUTE_VALUE_BYTES} bytes`);
  }
  return text;
}

/**
 * Percent-encodes every run of characters beyond ASCII as UTF-8, as the URL parser does for a
 * path. A lone surrogate becomes U+FFFD (`%EF%BF%BD`), as it does there.
 */
function percentEncodeNonAscii(text: string): string {
  return text.replace(/[\u0080-\uFFFF]+/g, (run) => {
    let encoded = '';
    for (const byte of UTF8.encode(run)) {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return encoded;
  });
}

function tooLong(name: string, option: string, fix: string): never {
  throw new CookieError(
    'COOKIE_LIFETIME_TOO_LONG',
    `cookie "${name}" would live longer than 400 days, which browsers cap (RFC 6265bis sections` +
      ` 5.6.1 and 5.6.2); ${fix}.`,
  );
}
