import { parseCookieDate } from './cookie-date.js';
import { MAX_COOKIE_LIFETIME_SECONDS } from './limits.js';

import type { SameSiteEnforcement } from './stored-cookie.js';

// How a browser reads each attribute of a Set-Cookie line: RFC 6265bis sections 5.6.1 to 5.6.7,
// plus Partitioned from CHIPS. Each reader turns one attribute-name and attribute-value into an
// entry of the cookie-attribute-list, or says why the attribute has no effect.

/**
 * One entry of the cookie-attribute-list, after the processing its section prescribes.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export type CookieAttribute =
  /** `expiresAt` is capped at 400 days from now; `askedExpiresAt` is what the line asked for. */
  | { kind: 'Expires'; expiresAt: number; askedExpiresAt: number }
  | { kind: 'Max-Age'; expiresAt: number; askedExpiresAt: number }
  | { kind: 'Domain'; domain: string }
  /** `path` is undefined when the value was empty or relative: the default path applies. */
  | { kind: 'Path'; path: string | undefined }
  | { kind: 'Secure' }
  | { kind: 'HttpOnly' }
  | { kind: 'SameSite'; enforcement: SameSiteEnforcement }
  | { kind: 'Partitioned' };

/** What one attribute contributes: an entry, a reason it is (partly) ignored, or both. */
export interface AttributeReading {
  attribute: CookieAttribute | undefined;
  ignored: string | undefined;
}

/**
 * The expiry a Max-Age of zero or less gives: "the earliest representable date" of section
 * 5.6.2. Any past time has the same effect; the Unix epoch reads better in a report.
 */
export const EARLIEST_EXPIRY_MS = 0;

const MAX_LIFETIME_MS = MAX_COOKIE_LIFETIME_SECONDS * 1000;
const MAX_AGE = /^-?[0-9]+$/;

/**
 * Reads one attribute. Names are matched ASCII-case-insensitively (i;ascii-casemap); `nowMs` is
 * the time Max-Age counts from and the 400-day cap is measured from.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export function readAttribute(name: string, value: string, nowMs: number): AttributeReading {
  switch (asciiLowerCase(name)) {
    case 'expires':
      return readExpires(value, nowMs);
    case 'max-age':
      return readMaxAge(value, nowMs);
    case 'domain':
      return readDomain(value);
    case 'path':
      return readPath(value);
    case 'secure':
      return found({ kind: 'Secure' });
    case 'httponly':
      return found({ kind: 'HttpOnly' });
    case 'samesite':
      return readSameSite(value);
    case 'partitioned':
      return found({ kind: 'Partitioned' });
    case 'priority':
      return ignored(
        'Priority is a Chromium extension that orders eviction; RFC 6265bis has no such attribute',
      );
    default:
      return ignored('not a cookie attribute (RFC 6265bis section 5.6 ignores unknown ones)');
  }
}

/**
 * Lower-cases A-Z only, as the i;ascii-casemap collation that RFC 6265bis section 2.3 names
 * (RFC 4790 section 9.2.1): the Kelvin sign U+212A must not become "k".
 */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function readExpires(value: string, nowMs: number): AttributeReading {
  const parsed = parseCookieDate(value);
  if (parsed === undefined) {
    return ignored('not a cookie-date (RFC 6265bis section 5.1.1)');
  }
  // Section 5.6.1 caps the expiry at the cookie-age-limit, 400 days from now.
  return found({
    kind: 'Expires',
    expiresAt: Math.min(parsed, nowMs + MAX_LIFETIME_MS),
    askedExpiresAt: parsed,
  });
}

function readMaxAge(value: string, nowMs: number): AttributeReading {
  if (!MAX_AGE.test(value)) {
    return ignored('not a whole number of seconds (RFC 6265bis section 5.6.2)');
  }
  // A long run of digits becomes ±Infinity, which the cap and the sign test below handle.
  const seconds = Number(value);
  const askedExpiresAt = seconds <= 0 ? EARLIEST_EXPIRY_MS : nowMs + seconds * 1000;
  // Section 5.6.2 caps the delta at the cookie-age-limit, 400 days.
  const expiresAt = Math.min(askedExpiresAt, nowMs + MAX_LIFETIME_MS);
  return found({ kind: 'Max-Age', expiresAt, askedExpiresAt });
}

function readDomain(value: string): AttributeReading {
  if (value === '') {
    return ignored('empty, which RFC 6265bis section 5.6.3 says to ignore');
  }
  // One leading dot is dropped ("Domain=.example.com" is "example.com"); a second one stays and
  // then matches no host.
  const domain = value.startsWith('.') ? value.slice(1) : value;
  return found({ kind: 'Domain', domain: asciiLowerCase(domain) });
}

function readPath(value: string): AttributeReading {
  if (!value.startsWith('/')) {
    return {
      attribute: { kind: 'Path', path: undefined },
      ignored: 'empty or not starting with "/", so the default path applies (RFC 6265bis 5.6.4)',
    };
  }
  return found({ kind: 'Path', path: value });
}

function readSameSite(value: string): AttributeReading {
  switch (asciiLowerCase(value)) {
    case 'none':
      return found({ kind: 'SameSite', enforcement: 'None' });
    case 'strict':
      return found({ kind: 'SameSite', enforcement: 'Strict' });
    case 'lax':
      return found({ kind: 'SameSite', enforcement: 'Lax' });
    default:
      return {
        attribute: { kind: 'SameSite', enforcement: 'Default' },
        ignored: 'not Strict, Lax or None, so the enforcement is Default (RFC 6265bis 5.6.7)',
      };
  }
}

function found(attribute: CookieAttribute): AttributeReading {
  return { attribute, ignored: undefined };
}

function ignored(reason: string): AttributeReading {
  return { attribute: undefined, ignored: reason };
}
