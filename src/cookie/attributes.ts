import { CookieError } from './errors.js';
import {
  AV_OCTET,
  AV_OCTETS,
  DOMAIN_VALUE,
  MAX_DOMAIN_LENGTH,
  codePointName,
  indexOfDisallowed,
} from './grammar.js';
import { MAX_COOKIE_ATTRIBUTE_VALUE_BYTES, MAX_COOKIE_LIFETIME_SECONDS } from './limits.js';

// Validators for the Set-Cookie options, one per attribute. Each takes the option as `unknown`
// because JavaScript callers can pass anything, and returns the text to write. Every refusal
// names the option and the fix; none prints the cookie's value.

const MAX_LIFETIME_MS = MAX_COOKIE_LIFETIME_SECONDS * 1000;

// RFC 6265bis section 5.1.1 reads a year below 1601 as a parse failure (and a two-digit or
// small year as 19xx/20xx), so such an Expires would be ignored or misread, not honoured.
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

/** `Expires` as an IMF-fixdate (RFC 9110 section 5.6.7), capped at 400 days from `nowMs`. */
export function formatExpires(name: string, expires: unknown, nowMs: number): string {
  if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) {
    invalid('expires', 'must be a valid Date');
  }
  const year = expires.getUTCFullYear();
  if (year < MIN_EXPIRES_YEAR || year > MAX_EXPIRES_YEAR) {
    invalid(
      'expires',
      `must fall in the years ${MIN_EXPIRES_YEAR} to ${MAX_EXPIRES_YEAR}, which browsers read` +
        ' reliably; to delete a cookie, use maxAge: 0',
    );
  }
  if (expires.getTime() - nowMs > MAX_LIFETIME_MS) {
    tooLong(name, 'expires', 'set expires at most 400 days ahead of now');
  }
  // toUTCString() produces exactly IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  return expires.toUTCString();
}

/**
 * `Max-Age` in whole seconds. Zero deletes the cookie. Negative values also delete in browsers
 * (RFC 6265bis section 5.6.2), but they are refused so that deletion has one spelling.
 */
export function formatMaxAge(name: string, maxAge: unknown): string {
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge)) {
    invalid('maxAge', 'must be a whole number of seconds (a safe integer)');
  }
  if (maxAge < 0) {
    invalid('maxAge', 'must not be negative; to delete a cookie, use maxAge: 0');
  }
  if (maxAge > MAX_COOKIE_LIFETIME_SECONDS) {
    tooLong(name, 'maxAge', `use at most ${MAX_COOKIE_LIFETIME_SECONDS} seconds`);
  }
  return String(maxAge);
}

/** `Domain`: a host name in ASCII (RFC 6265bis section 4.1.2.3). */
export function formatDomain(domain: unknown): string {
  const text = readAttributeText('domain', domain);
  if (text === '') {
    invalid('domain', 'must not be empty; omit the option for a host-only cookie');
  }
  if (text.startsWith('.')) {
    // Browsers ignore a leading dot, and the grammar does not allow one: say what it means.
    invalid('domain', 'must not start with "."; Domain=example.com already covers subdomains');
  }
  if (text.length > MAX_DOMAIN_LENGTH || !DOMAIN_VALUE.test(text)) {
    invalid(
      'domain',
      'must be a host name: dot-separated labels of letters, digits and inner hyphens, at most' +
        ` 63 characters each and ${MAX_DOMAIN_LENGTH} in all (write internationalized names in` +
        ' their xn-- form)',
    );
  }
  return text;
}

/** `Path`: an absolute path (RFC 6265bis section 4.1.2.4). */
export function formatPath(path: unknown): string {
  const text = readAttributeText('path', path);
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

/** One of a fixed set of spellings, such as `sameSite`. */
export function readChoice<T extends string>(
  option: string,
  choice: unknown,
  allowed: readonly T[],
): T | undefined {
  if (choice === undefined) return undefined;
  const found = allowed.find((spelling) => spelling === choice);
  if (found === undefined) {
    invalid(option, `must be one of ${allowed.map((s) => `'${s}'`).join(', ')}`);
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

function tooLong(name: string, option: string, fix: string): never {
  throw new CookieError(
    'COOKIE_LIFETIME_TOO_LONG',
    `cookie "${name}" would live longer than 400 days, which browsers cap (RFC 6265bis sections` +
      ` 5.6.1 and 5.6.2); ${fix}.`,
  );
}
