import { HOST } from './option-sets.js';

import type { CookieErrorCode, SetCookieOptions } from '../../../src/cookie/index.js';
import type { AskedCookie } from './asked-cookie.js';
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
   * Chromium stores exactly what was asked (or deletes, when that is what was asked): here the
   * serializer is stricter than Chromium, for the reason in `why`.
   */
  | { kind: 'as-asked'; why: string };

/** One refusal of `serializeSetCookie`, and the Set-Cookie line it would have meant. */
export interface Refusal {
  rule: string;
  code: CookieErrorCode;
  host: string;
  name: string;
  value: string;
  options: SetCookieOptions;
  /** Where the options mean more than a literal reading says (a leading dot on a Domain). */
  asked?: Partial<AskedCookie>;
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
  asked?: Partial<AskedCookie>;
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

export function asAsked(why: string): ChromiumOutcome {
  return { kind: 'as-asked', why };
}

/** Collects the refusals of one error code into `rows`. */
export function refusalsOf(
  rows: Refusal[],
  code: CookieErrorCode,
): (rule: string, cookie: RefusedCookie, line: string, chromium: ChromiumOutcome) => void {
  return (rule, cookie, line, chromium) => {
    const { name = 'a', value = 'b', options = {}, host = HOST, asked } = cookie;
    const row: Refusal = { rule, code, host, name, value, options, line, chromium };
    if (asked !== undefined) row.asked = asked;
    rows.push(row);
  };
}
