import { readAttribute } from './set-cookie-attributes.js';
import { MAX_COOKIE_ATTRIBUTE_VALUE_BYTES, MAX_COOKIE_NAME_VALUE_BYTES } from './limits.js';

import type { CookieAttribute } from './set-cookie-attributes.js';
import type { IgnoredAttribute, SameSiteEnforcement } from './stored-cookie.js';

/**
 * A Set-Cookie line read as RFC 6265bis section 5.6 reads it, with its cookie-attribute-list
 * already reduced to what the storage model (5.7) takes from it: the last Domain, Path and
 * SameSite, and Max-Age over Expires.
 */
export interface ParsedSetCookie {
  name: string;
  value: string;
  /** Milliseconds since the epoch, from Max-Age or else Expires; undefined: a session cookie. */
  expiresAt: number | undefined;
  /**
   * The expiry the line asked for, before the 400-day cap (sections 5.6.1 and 5.6.2): later than
   * `expiresAt` when the browser shortened it. Infinity for a Max-Age too long to count.
   */
  askedExpiresAt: number | undefined;
  /** The last Domain attribute (lower case, one leading dot removed), or undefined. */
  domain: string | undefined;
  /** Whether the line has a Path attribute at all, even an empty one (__Host- needs one). */
  hasPath: boolean;
  /** The last Path attribute's value, or undefined when the default path applies. */
  path: string | undefined;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSiteEnforcement;
  partitioned: boolean;
  ignoredAttributes: IgnoredAttribute[];
}

/** Why section 5.6 drops a whole line. */
export type SetCookieStringFailure =
  { code: 'CONTROL_CHARACTER'; reason: string } | { code: 'TOO_LARGE'; reason: string };

const BEYOND_LATIN1 = /[\u0100-\uffff]/;
const TOO_LONG_VALUE = `value over ${MAX_COOKIE_ATTRIBUTE_VALUE_BYTES} octets (RFC 6265bis 5.6)`;

/**
 * Parses a Set-Cookie field value as a user agent does (RFC 6265bis section 5.6). Tolerant: only
 * a control character or an oversized name and value make it give up on the line; everything
 * else yields a cookie, with the attributes that had no effect listed. Never throws.
 *
 * Sizes are in octets. A string whose characters are all U+0000 to U+00FF is taken to hold one
 * octet per character, which is how Node's `http` and Fetch's `Headers` decode header bytes; a
 * string with any character beyond U+00FF is text, measured in UTF-8.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export function parseSetCookieString(
  line: string,
  nowMs: number,
): ParsedSetCookie | SetCookieStringFailure {
  // A control character spoils the whole line. Tab is allowed: it is whitespace.
  if (hasControlCharacter(line)) {
    return {
      code: 'CONTROL_CHARACTER',
      reason: 'the line holds a control character other than tab (RFC 6265bis section 5.6)',
    };
  }
  const isText = BEYOND_LATIN1.test(line);

  // The name-value-pair ends at the first ";", and the name at its first "=".
  const semicolon = line.indexOf(';');
  const pair = semicolon === -1 ? line : line.slice(0, semicolon);
  const equals = pair.indexOf('=');
  const name = equals === -1 ? '' : trimWhitespace(pair.slice(0, equals));
  const value = trimWhitespace(equals === -1 ? pair : pair.slice(equals + 1));
  if (octetLength(name + value, isText) > MAX_COOKIE_NAME_VALUE_BYTES) {
    return {
      code: 'TOO_LARGE',
      reason: `name and value exceed ${MAX_COOKIE_NAME_VALUE_BYTES} octets (RFC 6265bis 5.6)`,
    };
  }

  const cookie: ParsedSetCookie = {
    name,
    value,
    expiresAt: undefined,
    askedExpiresAt: undefined,
    domain: undefined,
    hasPath: false,
    path: undefined,
    secure: false,
    httpOnly: false,
    sameSite: 'Default',
    partitioned: false,
    ignoredAttributes: [],
  };
  if (semicolon !== -1) readAttributes(line.slice(semicolon + 1), cookie, nowMs, isText);
  return cookie;
}

// The cookie-avs, in order. Where an attribute comes more than once the storage model
// (5.7) takes the last one, so every earlier one is reported as overridden.
function readAttributes(text: string, cookie: ParsedSetCookie, nowMs: number, isText: boolean) {
  const entries: { text: string; attribute: CookieAttribute | undefined; reason?: string }[] = [];
  for (const raw of text.split(';')) {
    const av = trimWhitespace(raw);
    if (av === '') continue;
    const equals = av.indexOf('=');
    const name = trimWhitespace(equals === -1 ? av : av.slice(0, equals));
    const value = equals === -1 ? '' : trimWhitespace(av.slice(equals + 1));
    if (octetLength(value, isText) > MAX_COOKIE_ATTRIBUTE_VALUE_BYTES) {
      entries.push({ text: av, attribute: undefined, reason: TOO_LONG_VALUE });
      continue;
    }
    const reading = readAttribute(name, value, nowMs);
    entries.push({ text: av, attribute: reading.attribute, ...reasonOf(reading.ignored) });
  }

  const lastOfKind = new Map<CookieAttribute['kind'], CookieAttribute>();
  for (const entry of entries) {
    if (entry.attribute !== undefined) lastOfKind.set(entry.attribute.kind, entry.attribute);
  }
  const hasMaxAge = lastOfKind.has('Max-Age');
  for (const entry of entries) {
    const attribute = entry.attribute;
    if (attribute === undefined) continue;
    if (attribute !== lastOfKind.get(attribute.kind) && !FLAGS.has(attribute.kind)) {
      entry.reason = `overridden by a later ${attribute.kind} attribute (RFC 6265bis 5.7)`;
    } else if (attribute.kind === 'Expires' && hasMaxAge) {
      entry.reason = 'Max-Age takes precedence over Expires (RFC 6265bis section 5.7)';
    }
  }

  for (const attribute of lastOfKind.values()) apply(cookie, attribute);
  cookie.ignoredAttributes = entries.flatMap((entry) =>
    entry.reason === undefined ? [] : [{ attribute: entry.text, reason: entry.reason }],
  );
}

// Flags carry no value, so a repeated one overrides nothing.
const FLAGS = new Set<CookieAttribute['kind']>(['Secure', 'HttpOnly', 'Partitioned']);

function reasonOf(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

function apply(cookie: ParsedSetCookie, attribute: CookieAttribute): void {
  switch (attribute.kind) {
    case 'Expires':
      // Max-Age wins over Expires whatever their order (section 5.7).
      if (cookie.expiresAt === undefined) {
        cookie.expiresAt = attribute.expiresAt;
        cookie.askedExpiresAt = attribute.askedExpiresAt;
      }
      break;
    case 'Max-Age':
      cookie.expiresAt = attribute.expiresAt;
      cookie.askedExpiresAt = attribute.askedExpiresAt;
      break;
    case 'Domain':
      cookie.domain = attribute.domain;
      break;
    case 'Path':
      cookie.hasPath = true;
      cookie.path = attribute.path;
      break;
    case 'Secure':
      cookie.secure = true;
      break;
    case 'HttpOnly':
      cookie.httpOnly = true;
      break;
    case 'SameSite':
      cookie.sameSite = attribute.enforcement;
      break;
    case 'Partitioned':
      cookie.partitioned = true;
      break;
  }
}

/** Whether `text` holds %x00-08 / %x0A-1F / %x7F: a control character other than tab. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Removes leading and trailing WSP (space and tab), the only whitespace section 5.6 trims. */
function trimWhitespace(text: string): string {
  // Index scans rather than a regular expression, which would be quadratic on a long inner run.
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** The size of `text` in octets; see {@link parseSetCookieString} for the two readings. */
function octetLength(text: string, isText: boolean): number {
  if (!isText) return text.length;
  let octets = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    // A lone surrogate is written as U+FFFD, three octets.
    octets += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return octets;
}
