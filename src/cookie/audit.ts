import { MAX_COOKIE_LIFETIME_SECONDS } from './limits.js';
import { parseSetCookie } from './parse-set-cookie.js';
import { parseSetCookieString } from './set-cookie-string.js';

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
  | 'LIFETIME_CAPPED'
  | 'SHORT_SESSION_VALUE'
  | 'PATH_NOT_A_BOUNDARY'
  | 'SET_TWICE'
  | 'SAME_NAME_TWICE'
  | 'ATTRIBUTE_WITHHELD';

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

/** One Set-Cookie line to audit, and what is known of where and when it came. */
export interface AuditInput {
  /** The field value, without `Set-Cookie:`. */
  line: string;
  /** The URL of the request it answered; without it, the URL's checks are skipped. */
  from?: string | undefined;
  /**
   * When the response came (a HAR entry's `startedDateTime`), in milliseconds since the epoch:
   * expiry is judged from then, so that an old capture is audited as it was. Default: `now`.
   */
  receivedAt?: number | undefined;
  /**
   * Which response the line belongs to: lines of the same response are compared with each other
   * (a cookie set twice in one answer). Default: 0, all one response.
   */
  response?: number | undefined;
}

/** Options for {@link auditSetCookies}. */
export interface AuditOptions {
  /** The time expiry is measured from, for lines without `receivedAt`. Default: `Date.now()`. */
  now?: number;
}

// Words of cookie names that usually hold a login (the stricter rules apply to them), besides
// those about sessions (PHPSESSID, JSESSIONID, sessionid, _app_session): connect.sid,
// auth_token, wordpress_logged_in_..., .AspNetCore.Identity.Application, KEYCLOAK_IDENTITY. A
// CSRF cookie is made to be read by scripts, and is not one.
const LOGIN_WORDS = new Set([
  'sid',
  'auth',
  'token',
  'login',
  'logged',
  'jwt',
  'remember',
  'credential',
  'credentials',
  'identity',
  'aspxauth',
  'oauth2',
]);
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
  lines: readonly AuditInput[],
  options: AuditOptions = {},
): CookieAudit[] {
  const now = options.now ?? Date.now();
  const audits = lines.map(({ line, from, receivedAt }) =>
    auditOne(line, from ?? null, receivedAt ?? now),
  );
  compareWithinResponses(lines, audits);
  return audits;
}

/**
 * Within one response, two lines of the same name: the same cookie (RFC 6265bis 5.7: name,
 * domain, host-only flag and path; CHIPS adds the partition) set twice, of which the browser
 * keeps the last; or two cookies of one name the browser keeps side by side and sends together,
 * which the server cannot tell apart.
 */
function compareWithinResponses(lines: readonly AuditInput[], audits: CookieAudit[]): void {
  const byName = new Map<string, CookieAudit[]>();
  audits.forEach((audit, index) => {
    if (audit.stored === null) return;
    const key = `${String(lines[index]?.response ?? 0)}\n${audit.name}`;
    const group = byName.get(key);
    if (group === undefined) byName.set(key, [audit]);
    else group.push(audit);
  });
  for (const group of byName.values()) {
    group.forEach((audit, index) => {
      const later = group.slice(index + 1).find((other) => sameCookie(audit, other));
      if (later !== undefined) {
        audit.findings.push({
          severity: 'warning',
          code: 'SET_TWICE',
          message: deletesCookie(later)
            ? 'deleted by a later line of the same response: the browser keeps none'
            : 'set again later in the same response: the browser keeps only the last one',
        });
      } else if (
        // A line that deletes its cookie leaves nothing to be confused with.
        !deletesCookie(audit) &&
        group.some((other) => other !== audit && !deletesCookie(other) && !sameCookie(audit, other))
      ) {
        audit.findings.push({
          severity: 'warning',
          code: 'SAME_NAME_TWICE',
          message:
            'another cookie of this name is set with another Domain, Path or partition: the ' +
            'browser keeps both and sends both, and the server cannot tell which is which',
        });
      }
    });
  }
}

function sameCookie(a: CookieAudit, b: CookieAudit): boolean {
  const x = a.stored;
  const y = b.stored;
  return (
    x !== null &&
    y !== null &&
    x.domain === y.domain &&
    x.hostOnly === y.hostOnly &&
    x.path === y.path &&
    x.partitioned === y.partitioned
  );
}

function auditOne(line: string, from: string | null, now: number): CookieAudit {
  const name = nameOf(line);
  const result = parseSetCookie(line, from ?? undefined, { now });
  const ignoredNames = result.ignoredAttributes.map(({ attribute }) => attributeName(attribute));
  // Expires beside a Max-Age that counts is the usual way to reach old browsers too: no warning.
  const maxAgeCounts =
    attributeNames(line).includes('max-age') && !ignoredNames.includes('max-age');
  const findings: AuditFinding[] = result.ignoredAttributes.map(({ attribute, reason }) => ({
    severity: maxAgeCounts && attributeName(attribute) === 'expires' ? 'info' : 'warning',
    code: 'ATTRIBUTE_IGNORED',
    message: `${shownAttribute(attribute)} has no effect: ${reason}`,
  }));
  if (!result.stored) {
    findings.unshift({
      severity: 'error',
      code: 'REJECTED',
      message: `the browser ignores the whole line (${result.code}): ${result.reason}`,
    });
    return { name, from, stored: null, rejection: result.code, findings };
  }

  const { value, ...kept } = result.cookie;
  // A Path or Domain holding a comma, `=`, a space or a quote is most likely two lines joined
  // with a comma (`a=1; Path=/, sid=...`) or a value cut at a `;` inside it: the rest would be
  // another cookie's value, which is never shown.
  const withheld = (['path', 'domain'] as const).filter((key) => SUSPECT.test(kept[key]));
  const cookie = { ...kept };
  for (const key of withheld) {
    cookie[key] = WITHHELD;
    findings.push({
      severity: 'warning',
      code: 'ATTRIBUTE_WITHHELD',
      message:
        `its ${key === 'path' ? 'Path' : 'Domain'} holds a comma, "=", a space or a quote, ` +
        'and is not shown: two Set-Cookie lines joined with a comma, or a value cut at a ";"? ' +
        'A browser reads one cookie per line',
    });
  }
  findings.push(...judge(cookie, value.length, now), ...capped(line, now));
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
  const sessionLike = isLoginName(cookie.name);

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
  if (cookie.path !== '/' && cookie.path !== '' && cookie.path !== WITHHELD) {
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

// A line asking for more than the 400 days a browser keeps a cookie is kept 400 days (RFC 6265bis
// sections 5.6.1 and 5.6.2), without a word to the server: a "remember me for ten years" that
// ends after 400 days, or a deletion meant for 2038 that comes sooner, is said out loud here.
function capped(line: string, now: number): AuditFinding[] {
  const parsed = parseSetCookieString(line, now);
  if ('code' in parsed || parsed.askedExpiresAt === undefined) return [];
  const askedMs = parsed.askedExpiresAt - now;
  if (askedMs <= MAX_COOKIE_LIFETIME_SECONDS * 1000) return [];
  const days = askedMs / DAY_MS;
  const asked =
    days > 1_000_000
      ? 'over a million days'
      : days < 400.5
        ? 'a little over 400 days'
        : `${Math.round(days).toString()} days`;
  return [
    {
      severity: 'warning',
      code: 'LIFETIME_CAPPED',
      message:
        `it asks to be kept ${asked}, and browsers keep a cookie 400 days at most ` +
        '(RFC 6265bis 5.6.1, 5.6.2): it expires sooner than the server meant',
    },
  ];
}

/** Whether a cookie's name says it holds a login, by its words (`sidebar_state` does not). */
export function isLoginName(name: string): boolean {
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const forms = words.some((word) => /csrf|xsrf|antiforgery/.test(word));
  if (forms) return false;
  // ASP.NET Core names its cookies `.AspNetCore.<purpose>`: `.Cookies` is the login.
  const lower = name.toLowerCase();
  if (lower.startsWith('.aspnetcore.cookies') || lower.startsWith('wordpress_sec_')) return true;
  return words.some(
    (word) =>
      word.startsWith('sess') ||
      word.startsWith('ssess') ||
      word.includes('session') ||
      word.endsWith('sessid') ||
      LOGIN_WORDS.has(word),
  );
}

// What no sensible Path or Domain holds, but a value that ran into one does; and what is shown
// in its place.
const SUSPECT = /[,=\s"]/;
const WITHHELD = '(not shown)';

// Attribute names a browser knows, the only part of an ignored attribute that is shown: the
// rest of the line may be a value cut at a `;` inside it (`sid="abc;SECRET"`).
const KNOWN_ATTRIBUTES = new Set([
  'expires',
  'max-age',
  'domain',
  'path',
  'secure',
  'httponly',
  'samesite',
  'partitioned',
  'priority',
]);

function shownAttribute(attribute: string): string {
  const name = attributeName(attribute);
  return KNOWN_ATTRIBUTES.has(name)
    ? `"${attribute.split('=', 1)[0]?.trim() ?? ''}"`
    : `an attribute that is none of ${KNOWN_ATTRIBUTES.size} a browser knows (not shown)`;
}

/** Whether the audited line deletes its cookie (its expiry has passed) rather than set one. */
export function deletesCookie(audit: CookieAudit): boolean {
  return audit.findings.some((finding) => finding.code === 'DELETES_COOKIE');
}

function attributeNames(line: string): string[] {
  return line.split(';').slice(1).map(attributeName);
}

function attributeName(attribute: string): string {
  return (attribute.split('=', 1)[0] ?? '').trim().toLowerCase();
}

function nameOf(line: string): string {
  const pair = line.split(';', 1)[0] ?? '';
  const equals = pair.indexOf('=');
  return (equals === -1 ? '' : pair.slice(0, equals)).trim();
}
