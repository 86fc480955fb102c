import { parseSetCookie } from './parse-set-cookie.js';

import type { SetCookieRejectionCode, StoredCookie } from './stored-cookie.js';

/** How much a finding matters: `error` means the cookie is lost or open to theft. */
export type AuditSeverity = 'error' | 'warning' | 'info';

/** One thing the auditor says about a cookie. Branch on `code`; `message` may change. */
export interface AuditFinding {
  severity: AuditSeverity;
  code: AuditFindingCode;
  message: string;
}

/**
 * What the auditor can say. `REJECTED` carries the browser's own reason (a
 * `SetCookieRejectionCode` in `rejection`); the rest are about a cookie the browser keeps.
 */
export type AuditFindingCode =
  | 'REJECTED'
  | 'ATTRIBUTE_IGNORED'
  | 'DELETES_COOKIE'
  | 'READABLE_BY_SCRIPTS'
  | 'SENT_OVER_HTTP'
  | 'SAMESITE_NONE'
  | 'SAMESITE_MISSING'
  | 'DOMAIN_WIDENS_SCOPE'
  | 'HOST_PREFIX_POSSIBLE'
  | 'LONG_LIVED_SESSION'
  | 'SHORT_SESSION_VALUE'
  | 'PATH_NOT_A_BOUNDARY'
  | 'SET_TWICE';

/** The audit of one Set-Cookie line. Never holds the cookie's value: only its length. */
export interface CookieAudit {
  /** The cookie's name as the line gives it (before the first `=`), trimmed. */
  name: string;
  /** The URL the line was received from, when known. */
  from: string | null;
  /** What the browser stores, without the value; null when it ignores the line. */
  stored: (Omit<StoredCookie, 'value'> & { valueLength: number }) | null;
  /** Why the browser ignores the line, when it does. */
  rejection: SetCookieRejectionCode | null;
  findings: AuditFinding[];
}

/** Options for {@link auditSetCookies}. */
export interface AuditOptions {
  /** The time expiry is measured from. Default: `Date.now()`. */
  now?: number;
}

// Names that usually hold a login: the stricter rules apply to them.
const SESSION_LIKE = /sess|sid|auth|token|login|jwt|remember|credential/i;
// 128 bits in base64url is 22 characters; a session token shorter than 16 holds under 96.
const SHORT_SESSION_VALUE_LENGTH = 16;
// A login kept longer than this outlives what OWASP's session guidance calls long. Unit: days.
const LONG_SESSION_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Audits the Set-Cookie lines of one response (or of several, each with its URL): for each
 * line, what a browser keeps (RFC 6265bis, through `parseSetCookie`) and what is unsafe about it.
 * A line with no URL is judged without the URL's checks (domain match, secure origin).
 * Never throws; never puts a cookie's value in a finding.
 */
export function auditSetCookies(
  lines: readonly { line: string; from?: string | undefined }[],
  options: AuditOptions = {},
): CookieAudit[] {
  const now = options.now ?? Date.now();
  const audits = lines.map(({ line, from }) => auditOne(line, from ?? null, now));
  // The same name set twice by one source: the browser keeps the last, and the first is lost.
  const seen = new Map<string, CookieAudit>();
  for (const audit of audits) {
    if (audit.stored === null) continue;
    const key = `${audit.from ?? ''}\n${audit.stored.domain}\n${audit.stored.path}\n${audit.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      earlier.findings.push({
        severity: 'warning',
        code: 'SET_TWICE',
        message: 'set again later in the same input: the browser keeps only the last one',
      });
    }
    seen.set(key, audit);
  }
  return audits;
}

function auditOne(line: string, from: string | null, now: number): CookieAudit {
  const name = nameOf(line);
  const result = parseSetCookie(line, from ?? undefined, { now });
  const findings: AuditFinding[] = result.ignoredAttributes.map(({ attribute, reason }) => ({
    severity: 'warning',
    code: 'ATTRIBUTE_IGNORED',
    message: `"${attribute.split('=', 1)[0] ?? ''}" has no effect: ${reason}`,
  }));
  if (!result.stored) {
    findings.unshift({
      severity: 'error',
      code: 'REJECTED',
      message: `the browser ignores the whole line (${result.code}): ${result.reason}`,
    });
    return { name, from, stored: null, rejection: result.code, findings };
  }

  const { value, ...cookie } = result.cookie;
  findings.push(...judge(cookie, value.length, now));
  return {
    name,
    from,
    stored: { ...cookie, valueLength: value.length },
    rejection: null,
    findings,
  };
}

function judge(
  cookie: Omit<StoredCookie, 'value'>,
  valueLength: number,
  now: number,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const add = (severity: AuditSeverity, code: AuditFindingCode, message: string): void => {
    findings.push({ severity, code, message });
  };
  if (cookie.expires !== null && cookie.expires.getTime() <= now) {
    add('info', 'DELETES_COOKIE', 'its expiry has passed: the line deletes the cookie');
    return findings;
  }
  const sessionLike = SESSION_LIKE.test(cookie.name);

  if (!cookie.httpOnly) {
    add(
      sessionLike ? 'error' : 'warning',
      'READABLE_BY_SCRIPTS',
      'no HttpOnly: any script on the page can read it, so one XSS flaw can steal it',
    );
  }
  if (!cookie.secure) {
    add(
      sessionLike ? 'error' : 'warning',
      'SENT_OVER_HTTP',
      'no Secure: it is sent over plain HTTP, where anyone on the network can read it',
    );
  }
  if (cookie.sameSite === 'None') {
    add(
      'warning',
      'SAMESITE_NONE',
      'SameSite=None: sent with cross-site requests, so every state-changing route needs ' +
        'CSRF protection of its own',
    );
  } else if (cookie.sameSite === 'Default') {
    add(
      'warning',
      'SAMESITE_MISSING',
      'no valid SameSite: Chromium treats it as Lax, Firefox and Safari as None; say which',
    );
  }
  if (!cookie.hostOnly) {
    add(
      'warning',
      'DOMAIN_WIDENS_SCOPE',
      `Domain=${cookie.domain}: every subdomain of it receives the cookie and can overwrite ` +
        'it; leave Domain out to keep it to one host',
    );
  }
  const hostPrefixed = cookie.name.toLowerCase().startsWith('__host-');
  if (!hostPrefixed && cookie.secure && cookie.hostOnly && cookie.path === '/') {
    add(
      'info',
      'HOST_PREFIX_POSSIBLE',
      'it qualifies for the __Host- prefix, which would stop subdomains and plain-HTTP pages ' +
        'from setting a cookie of that name',
    );
  }
  if (cookie.path !== '/' && cookie.path !== '') {
    add(
      'info',
      'PATH_NOT_A_BOUNDARY',
      `Path=${cookie.path} limits where it is sent, not who can read it: a page elsewhere on ` +
        'the same origin can still reach it',
    );
  }
  if (sessionLike) {
    if (cookie.expires !== null && cookie.expires.getTime() - now > LONG_SESSION_DAYS * DAY_MS) {
      const days = Math.round((cookie.expires.getTime() - now) / DAY_MS);
      add(
        'warning',
        'LONG_LIVED_SESSION',
        `it lasts ${days} days: a stolen copy stays useful that long unless the server ends it`,
      );
    }
    if (valueLength < SHORT_SESSION_VALUE_LENGTH) {
      add(
        'warning',
        'SHORT_SESSION_VALUE',
        `its value is ${valueLength} characters: too short to hold the 128 random bits a ` +
          'session token needs',
      );
    }
  }
  return findings;
}

function nameOf(line: string): string {
  const pair = line.split(';', 1)[0] ?? '';
  const equals = pair.indexOf('=');
  return (equals === -1 ? '' : pair.slice(0, equals)).trim();
}
