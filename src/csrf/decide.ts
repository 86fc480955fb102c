/**
 * The cross-site request forgery decision, as a pure function of what the request says. Three
 * defences in order, each used when the browser gives what it needs:
 *
 * 1. Fetch Metadata: `Sec-Fetch-Site` (W3C Fetch Metadata Request Headers), sent by every
 *    current browser and impossible for a page to forge.
 * 2. `Origin` (RFC 6454, and the Fetch standard's rule that browsers send it on every
 *    non-GET request), compared with this server's origin and the trusted ones.
 * 3. A token bound to the session, for a request that has neither header but carries the
 *    session cookie: an old browser, or a script replaying a cookie jar.
 */

/** Methods that must not change anything (RFC 9110 section 9.2.1); every other one is unsafe. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Why a request was refused. Stable codes: tests and clients branch on them. */
export type CsrfRejectionCode =
  'CSRF_CROSS_SITE' | 'CSRF_ORIGIN_MISMATCH' | 'CSRF_TOKEN_MISSING' | 'CSRF_TOKEN_INVALID';

/** What {@link decideCsrf} looks at. */
export interface CsrfInput {
  /** Upper-case request method. */
  method: string;
  /** The `Sec-Fetch-Site` header, if any. */
  secFetchSite: string | undefined;
  /** The `Origin` header, if any. */
  origin: string | undefined;
  /** This server's origin as the browser sees it, e.g. `https://auth.example.com`. */
  ownOrigin: string;
  /** Other origins allowed to send unsafe requests (serialized origins, no trailing slash). */
  trustedOrigins: ReadonlySet<string>;
  /** Whether the request carries the session cookie (any value). */
  hasSessionCookie: boolean;
  /** The CSRF token the request sent (header or form field), if any. */
  token: string | undefined;
  /** Checks a token against the request's session. Called only when a token decides. */
  verifyToken: (token: string) => boolean;
}

/** The decision, and which defence made it. */
export type CsrfVerdict =
  | { allowed: true; by: 'safe-method' | 'fetch-metadata' | 'origin' | 'no-credentials' | 'token' }
  | { allowed: false; code: CsrfRejectionCode; reason: string };

/** Decides whether a request may go on. Pure: no I/O, never throws. */
export function decideCsrf(input: CsrfInput): CsrfVerdict {
  if (SAFE_METHODS.has(input.method)) return { allowed: true, by: 'safe-method' };

  const site = input.secFetchSite?.trim().toLowerCase();
  const origin = input.origin?.trim();
  if (site !== undefined && site !== '') {
    // `none` is a user's own action (typed address, bookmark): no page caused it.
    if (site === 'same-origin' || site === 'none') return { allowed: true, by: 'fetch-metadata' };
    // same-site is still another origin: a sibling subdomain can be hostile.
    if (origin !== undefined && input.trustedOrigins.has(origin)) {
      return { allowed: true, by: 'origin' };
    }
    return reject('CSRF_CROSS_SITE', `Sec-Fetch-Site is ${site} and the origin is not trusted`);
  }

  if (origin !== undefined && origin !== '') {
    if (origin === input.ownOrigin || input.trustedOrigins.has(origin)) {
      return { allowed: true, by: 'origin' };
    }
    return reject('CSRF_ORIGIN_MISMATCH', 'the Origin header names an origin that is not trusted');
  }

  // Neither header: not a current browser. Without the session cookie there is no ambient
  // authority to abuse; with it, only a token read from this origin proves intent.
  if (!input.hasSessionCookie) return { allowed: true, by: 'no-credentials' };
  if (input.token === undefined || input.token === '') {
    return reject('CSRF_TOKEN_MISSING', 'no Origin, no Sec-Fetch-Site and no CSRF token');
  }
  if (!input.verifyToken(input.token)) {
    return reject('CSRF_TOKEN_INVALID', 'the CSRF token does not belong to this session');
  }
  return { allowed: true, by: 'token' };
}

function reject(code: CsrfRejectionCode, reason: string): CsrfVerdict {
  return { allowed: false, code, reason };
}
