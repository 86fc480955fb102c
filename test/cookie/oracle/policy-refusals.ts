import { MAX_COOKIE_LIFETIME_SECONDS } from '../../../src/cookie/index.js';
import { PARENT_DOMAIN, SUBDOMAIN_HOST, yearAt } from './option-sets.js';
import { alters, drops, refusalsOf } from './refusal.js';

import type { SetCookieOptions } from '../../../src/cookie/index.js';
import type { Refusal } from './refusal.js';

const DAY = 24 * 60 * 60;
const MAX = MAX_COOKIE_LIFETIME_SECONDS;

/**
 * The refusals of browser policy: lifetime, SameSite=None and Partitioned without Secure, and
 * the name prefixes; each with its hand-written line. `nowMs` anchors the Expires dates.
 */
export function policyRefusals(nowMs: number): Refusal[] {
  const rows: Refusal[] = [];

  const tooLong = refusalsOf(rows, 'COOKIE_LIFETIME_TOO_LONG');
  // A day over the cap, not a second: a second is within the tolerance of the timing check.
  const overCap = MAX + DAY;
  tooLong(
    'a Max-Age over 400 days',
    { options: { maxAge: overCap } },
    `a=b; Max-Age=${String(overCap)}; Path=/`,
    alters({}, MAX),
  );
  const late = new Date(nowMs + 401 * DAY * 1000);
  tooLong(
    'an Expires over 400 days ahead',
    { options: { expires: late } },
    `a=b; Expires=${late.toUTCString()}; Path=/`,
    alters({}, MAX),
  );

  const invalid = refusalsOf(rows, 'COOKIE_ATTRIBUTE_INVALID');
  const session = alters({}, 'session');
  const maxAge = (seconds: number) => ({ options: { maxAge: seconds } });
  invalid('a fractional Max-Age', maxAge(1.5), 'a=b; Max-Age=1.5; Path=/', session);
  invalid('an infinite Max-Age', maxAge(Infinity), 'a=b; Max-Age=Infinity; Path=/', session);
  invalid('a NaN Max-Age', maxAge(NaN), 'a=b; Max-Age=NaN; Path=/', session);
  const never = { options: { expires: new Date(NaN) } };
  invalid('an invalid Date as Expires', never, 'a=b; Expires=Invalid Date; Path=/', session);
  // A past Date is written as the epoch, except one that a browser would read as a future date.
  // The year 69 is the last that reads as 20xx (2069), so this case outlives the real clock.
  const y69 = yearAt(69);
  invalid(
    'an Expires in the year 69, which browsers read as 2069',
    { options: { expires: y69 } },
    `a=b; Expires=${y69.toUTCString()}; Path=/`,
    alters({}, MAX),
  );
  // Spellings a typed caller cannot produce, but JavaScript can.
  invalid(
    'a misspelt SameSite',
    { options: { sameSite: 'Strcit' } as unknown as SetCookieOptions },
    'a=b; Path=/; SameSite=Strcit',
    // Stored without SameSite, so the browser's default enforcement applies instead.
    alters({ name: 'a', value: 'b' }),
  );
  invalid(
    'an unknown Priority',
    { options: { priority: 'Urgent' } as unknown as SetCookieOptions },
    'a=b; Path=/; Priority=Urgent',
    alters({ priority: 'Medium' }),
  );

  const none = refusalsOf(rows, 'COOKIE_SAMESITE_NONE_INSECURE');
  none(
    'SameSite=None without Secure',
    { options: { sameSite: 'None' } },
    'a=b; Path=/; SameSite=None',
    drops,
  );
  const partitioned = refusalsOf(rows, 'COOKIE_PARTITIONED_INSECURE');
  partitioned(
    'Partitioned without Secure',
    { options: { partitioned: true } },
    'a=b; Path=/; Partitioned',
    drops,
  );

  const prefix = refusalsOf(rows, 'COOKIE_PREFIX_VIOLATION');
  const secure = { secure: true };
  const both = { secure: true, httpOnly: true };
  const sub = SUBDOMAIN_HOST;
  prefix('__Secure- without Secure', { name: '__Secure-a' }, '__Secure-a=b; Path=/', drops);
  prefix('__Host- without Secure', { name: '__Host-a' }, '__Host-a=b; Path=/', drops);
  prefix(
    '__Host- with a Domain',
    { name: '__Host-a', options: { ...secure, domain: PARENT_DOMAIN }, host: sub },
    '__Host-a=b; Domain=a.localhost; Path=/; Secure',
    drops,
  );
  prefix(
    '__Host- with Path=/app',
    { name: '__Host-a', options: { ...secure, path: '/app' } },
    '__Host-a=b; Path=/app; Secure',
    drops,
  );
  const http = (options: SetCookieOptions) => ({ name: '__Http-a', options });
  prefix('__Http- without HttpOnly', http(secure), '__Http-a=b; Path=/; Secure', drops);
  prefix('__Http- without Secure', http({ httpOnly: true }), '__Http-a=b; Path=/; HttpOnly', drops);
  const hostHttp = (options: SetCookieOptions) => ({ name: '__Host-Http-a', options });
  prefix(
    '__Host-Http- without HttpOnly',
    hostHttp(secure),
    '__Host-Http-a=b; Path=/; Secure',
    drops,
  );
  prefix(
    '__Host-Http- with a Domain',
    { ...hostHttp({ ...both, domain: PARENT_DOMAIN }), host: sub },
    '__Host-Http-a=b; Domain=a.localhost; Path=/; Secure; HttpOnly',
    drops,
  );
  prefix(
    '__Host-Http- with Path=/app',
    hostHttp({ ...both, path: '/app' }),
    '__Host-Http-a=b; Path=/app; Secure; HttpOnly',
    drops,
  );
  prefix('a lower-case __host- without Secure', { name: '__host-a' }, '__host-a=b; Path=/', drops);
  prefix(
    'an upper-case __SECURE- without Secure',
    { name: '__SECURE-a' },
    '__SECURE-a=b; Path=/',
    drops,
  );
  return rows;
}
