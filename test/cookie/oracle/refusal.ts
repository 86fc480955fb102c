import { HOST } from './option-sets.js';

import type { CookieErrorCode, SetCookieOptions } from '../../../src/cookie/index.js';
import type { ChromiumCookie } from './chromium-jar.js';

/** What Chromium does with the Set-Cookie line of a refused option set. */
export type ChromiumOutcome =
  /** The response is read, and the cookie is not stored. */
  | { kind: 'drops' }
  /** The whole response is refused as malformed HTTP, so nothing in it is stored. */
  | { kind: 'rejects-response' }
  /**
   * A cookie is stored, but not the one asked for: one stored cookie has every field of
   * `stored` (and the lifetime, in seconds or `'session'`, when given).
   */
  | { kind: 'alters'; stored: Partial<ChromiumCookie>; lifetime?: number | 'session' }
  /**
   * Chromium stores exactly what was asked (or deletes, when that is what was asked). Only for
   * a name or value that the server grammar of RFC 6265 section 4.1.1 forbids, which issue 3
   * requires the serializer to refuse; `reason` says which rule, and who else breaks on it.
   */
  | { kind: 'grammar-only'; reason: string };

/** One refusal of `serializeSetCookie`, and the Set-Cookie line it would have meant. */
export interface Refusal {
  rule: string;
  code: CookieErrorCode;
  host: string;
  name: string;
  value: string;
  options: SetCookieOptions;
  /** The equivalent Set-Cookie line, written by hand, bytes and all. */
  line: string;
  chromium: ChromiumOutcome;
}

/** The parts of a refused cookie that differ from `a=b` sent by `localhost`. */
export interface RefusedCookie {
  name?: string;
  value?: string;
  options?: SetCookieOptions;
  host?: string;
}

/** The directory of the URL that sets every cookie (`/set/<n>`): Chromium's default Path. */
export const DEFAULT_PATH = '/set';

export const drops: ChromiumOutcome = { kind: 'drops' };
export const rejectsResponse: ChromiumOutcome = { kind: 'rejects-response' };

export function alters(
  stored: Partial<ChromiumCookie>,
  lifetime?: number | 'session',
): ChromiumOutcome {
  return lifetime === undefined ? { kind: 'alters', stored } : { kind: 'alters', stored, lifetime };
}

export function grammarOnly(reason: string): ChromiumOutcome {
  return { kind: 'grammar-only', reason };
}

/** Collects the refusals of one error code into `rows`. */
export function refusalsOf(
  rows: Refusal[],
  code: CookieErrorCode,
): (rule: string, cookie: RefusedCookie, line: string, chromium: ChromiumOutcome) => void {
  return (rule, cookie, line, chromium) => {
    const { name = 'a', value = 'b', options = {}, host = HOST } = cookie;
    rows.push({ rule, code, host, name, value, options, line, chromium });
  };
}
