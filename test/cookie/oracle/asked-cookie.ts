import type { SetCookieOptions } from '../../../src/cookie/index.js';
import type { Delivery, ChromiumCookie } from './chromium-jar.js';

/** When the cookie asked for should expire. */
export type AskedExpiry =
  | { kind: 'session' }
  /** At this absolute time, in seconds since the epoch (an `Expires` attribute). */
  | { kind: 'at'; seconds: number }
  /** This many seconds after the browser received it (a `Max-Age` attribute). */
  | { kind: 'after'; seconds: number };

/** The cookie a browser should store for a name, a value and a set of options. */
export interface AskedCookie {
  name: string;
  value: string;
  /** A leading dot marks a domain cookie, as in the DevTools protocol; without it, host-only. */
  domain: string;
  path: string;
  expiry: AskedExpiry;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | undefined;
  priority: string;
  /** The top-level site of the partition key, such as `http://localhost`. */
  partitionSite: string | undefined;
}

/**
 * What the options ask a browser to store when `host` sends the cookie, or `undefined` when they
 * ask it to delete the cookie (`maxAge` of 0 or less, or an `expires` in the past without
 * `maxAge`). Read the options as RFC 6265bis defines each attribute, not as `serializeSetCookie`
 * checks them, so that a refused option set still says what it meant: one leading dot of a
 * Domain means nothing (section 5.6.3), and SameSite is matched case-insensitively (section
 * 5.6.7), as Chromium also matches Priority.
 */
export function askedCookie(
  host: string,
  name: string,
  value: string,
  options: SetCookieOptions,
  nowMs: number = Date.now(),
): AskedCookie | undefined {
  let expiry: AskedExpiry = { kind: 'session' };
  if (options.maxAge !== undefined) {
    // Max-Age wins over Expires (RFC 6265bis section 5.6.2); zero or less deletes.
    if (options.maxAge <= 0) return undefined;
    expiry = { kind: 'after', seconds: options.maxAge };
  } else if (options.expires !== undefined) {
    const expiresMs = options.expires.getTime();
    if (expiresMs <= nowMs) return undefined;
    // IMF-fixdate has whole seconds: the milliseconds never reach the browser.
    expiry = { kind: 'at', seconds: Math.floor(expiresMs / 1000) };
  }

  return {
    name,
    value,
    domain: options.domain === undefined ? host : `.${options.domain.replace(/^\./, '')}`,
    path: options.path ?? '/',
    expiry,
    secure: options.secure === true,
    httpOnly: options.httpOnly === true,
    sameSite: keyword(options.sameSite, ['Strict', 'Lax', 'None']),
    priority: keyword(options.priority, ['Low', 'Medium', 'High']) ?? 'Medium',
    partitionSite: options.partitioned === true ? `http://${siteOf(host)}` : undefined,
  };
}

/**
 * Every field in which `stored` differs from `asked`, as short sentences; empty when they agree.
 * Host names compare case-insensitively. An Expires must be stored to the second (the server
 * sends no Date header, so Chromium has no clock skew to correct for); a Max-Age expiry may land
 * anywhere between the moment the request left and the moment the response was in, give or take
 * a second of rounding.
 */
export function differences(
  asked: AskedCookie,
  stored: ChromiumCookie,
  delivery: Pick<Delivery, 'sentAt' | 'receivedAt'>,
): string[] {
  const found: string[] = [];
  const compare = (field: string, want: unknown, got: unknown): void => {
    if (want !== got) found.push(`${field}: asked ${show(want)}, stored ${show(got)}`);
  };
  compare('name', asked.name, stored.name);
  compare('value', asked.value, stored.value);
  compare('domain', asked.domain.toLowerCase(), stored.domain.toLowerCase());
  compare('path', asked.path, stored.path);
  compare('secure', asked.secure, stored.secure);
  compare('httpOnly', asked.httpOnly, stored.httpOnly);
  compare('sameSite', asked.sameSite, stored.sameSite);
  compare('priority', asked.priority, stored.priority);
  compare('partition', asked.partitionSite, stored.partitionSite);

  const expiry = asked.expiry;
  if (expiry.kind === 'session') {
    compare('expires', -1, stored.expires);
  } else if (expiry.kind === 'at') {
    if (!(Math.abs(stored.expires - expiry.seconds) < 0.001)) {
      found.push(`expires: asked ${show(expiry.seconds)}, stored ${show(stored.expires)}`);
    }
  } else {
    const earliest = delivery.sentAt + expiry.seconds - 1;
    const latest = delivery.receivedAt + expiry.seconds + 1;
    if (!(stored.expires >= earliest && stored.expires <= latest)) {
      const lifetime =
        stored.expires === -1 ? 'a session' : (stored.expires - delivery.sentAt).toFixed(0);
      found.push(`lifetime: asked ${show(expiry.seconds)} s, stored ${lifetime} s`);
    }
  }
  return found;
}

/**
 * The site a host belongs to under Chromium's rules for `localhost`: `localhost` itself has no
 * registrable domain, and `x.y.localhost` belongs to `y.localhost` (an unknown top-level name
 * counts as a registry of its own).
 */
export function siteOf(host: string): string {
  const labels = host.split('.');
  return labels.length <= 2 ? host : labels.slice(-2).join('.');
}

/** The keyword of `spellings` that `given` spells in some letter case, or `given` itself. */
function keyword(given: string | undefined, spellings: readonly string[]): string | undefined {
  const folded = given?.toLowerCase();
  return spellings.find((spelling) => spelling.toLowerCase() === folded) ?? given;
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value);
  }
  return String(value);
}
