import { MAX_COOKIE_LIFETIME_SECONDS } from '../../../src/cookie/index.js';

import type { SetCookieOptions } from '../../../src/cookie/index.js';
import type { AskedCookie } from './asked-cookie.js';

/** One cookie to serialize and send: the request host decides what Domain may say. */
export interface OptionSet {
  title: string;
  /** The host Chromium requests; every one of them is a loopback name. */
  host: string;
  name: string;
  value: string;
  options: SetCookieOptions;
  /**
   * What the options mean where RFC 6265bis alone does not say it: a Path beyond ASCII means
   * the percent-encoded path that request URLs carry.
   */
  asked?: Partial<AskedCookie>;
}

/** The host for host-only cookies. */
export const HOST = 'localhost';
/**
 * The host for Domain cookies. `Domain=localhost` cannot be tested from `localhost`: a
 * single-label host has no registrable domain, so Chromium turns such a cookie into a host-only
 * one. Under `a.localhost` Chromium treats `localhost` as a registry, so `Domain=a.localhost`
 * sent by `sub.a.localhost` is a real domain cookie (`.a.localhost`).
 */
export const SUBDOMAIN_HOST = 'sub.a.localhost';
export const PARENT_DOMAIN = 'a.localhost';

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

/** Option sets chosen by hand to cover every option, its edges, and the prefixes. */
export function handPickedOptionSets(nowMs: number): OptionSet[] {
  const inSeconds = (seconds: number): Date => new Date(nowMs + seconds * 1000);
  const sets: OptionSet[] = [];
  const add = (
    title: string,
    name: string,
    value: string,
    options: SetCookieOptions = {},
    host = HOST,
    asked?: Partial<AskedCookie>,
  ): void => {
    sets.push({ title, host, name, value, options, ...(asked && { asked }) });
  };

  // Names and values.
  add('a plain name and value with the default Path', 'plain', 'v');
  add('an empty value', 'empty', '');
  add('a value of every cookie-octet punctuation mark', 'punct', "!#$%&'()*+-./:<=>?@[]^_`{|}~");
  add('a value in double quotes, quotes kept', 'quoted', '"abc"');
  add('an empty value in double quotes', 'quotedEmpty', '""');
  add('a value holding "=" signs', 'equals', 'a=b==');
  add('a base64url session token', 'token', 'Zm9vYmFyYmF6cXV4LXF1dXgtY29yZ2UtZ3JhdWx0X2dhcnBseQ');
  add('a percent-encoded value', 'encoded', encodeURIComponent('héllo wörld; €,"\\'));
  add('a name of every tchar punctuation mark', "!#$%&'*+-.^_`|~", 'v');
  add('a mixed-case name', 'SessionId', 'upper');
  add('the same name in lower case, kept apart', 'sessionid', 'lower');
  add('a name of digits', '12345', 'v');

  // Path.
  add('a Path below the root', 'pathApp', 'v', { path: '/app' });
  add('a Path with a trailing slash', 'pathSlash', 'v', { path: '/app/' });
  add('a deep Path', 'pathDeep', 'v', { path: '/a/b/c/d/e' });
  add('a percent-encoded Path', 'pathEncoded', 'v', { path: '/caf%C3%A9' });
  add('a Path with an inner space', 'pathSpace', 'v', { path: '/a b' });
  add('a Path holding "?", "#" and ","', 'pathMarks', 'v', { path: '/a?b=c,d#e' });
  add('a Path of exactly 1024 bytes', 'pathLong', 'v', { path: `/${'p'.repeat(1023)}` });
  // Written percent-encoded: the form in which Chromium compares it with request paths.
  const cafe = { path: '/caf%C3%A9' };
  add(
    'a Path beyond ASCII (written percent-encoded)',
    'pathCafe',
    'v',
    { path: '/café' },
    HOST,
    cafe,
  );
  const cookie = { path: '/%F0%9F%8D%AA/x' };
  add(
    'a Path beyond the BMP (written percent-encoded)',
    'pathEmoji',
    'v',
    { path: '/🍪/x' },
    HOST,
    cookie,
  );

  // Domain.
  const sub = SUBDOMAIN_HOST;
  add('a Domain of the parent', 'domParent', 'v', { domain: PARENT_DOMAIN }, sub);
  add('a Domain equal to the host', 'domSelf', 'v', { domain: SUBDOMAIN_HOST }, sub);
  add('a Domain in upper case', 'domUpper', 'v', { domain: 'A.LOCALHOST' }, sub);
  add(
    'a Domain with a leading dot (written without it)',
    'domDot',
    'v',
    { domain: '.a.localhost' },
    sub,
  );
  const hyphen = '-x.a.localhost';
  add('a Domain label starting with a hyphen', 'domHyphen', 'v', { domain: hyphen }, hyphen);
  const trailing = 'x-.a.localhost';
  add('a Domain label ending with a hyphen', 'domHyphenEnd', 'v', { domain: trailing }, trailing);
  const underscore = '_x.a.localhost';
  add(
    'a Domain label with an underscore',
    'domUnderscore',
    'v',
    { domain: underscore },
    underscore,
  );
  add('a host-only cookie on a subdomain', 'domNone', 'v', {}, sub);
  const scoped = { domain: PARENT_DOMAIN, path: '/app', secure: true };
  add('a Domain with a Path and Secure', 'domScoped', 'v', scoped, sub);

  // Lifetime.
  add('Max-Age=0, which deletes', 'maxAgeZero', 'v', { maxAge: 0 });
  add('Max-Age of one second', 'maxAgeOne', 'v', { maxAge: 1 });
  add('Max-Age of an hour', 'maxAgeHour', 'v', { maxAge: HOUR });
  add('Max-Age of exactly 400 days', 'maxAgeMax', 'v', { maxAge: MAX_COOKIE_LIFETIME_SECONDS });
  const almost = MAX_COOKIE_LIFETIME_SECONDS - 1;
  add('Max-Age of 400 days less a second', 'maxAgeAlmost', 'v', { maxAge: almost });
  add('Expires in an hour', 'expiresHour', 'v', { expires: inSeconds(HOUR) });
  const limit = { expires: inSeconds(400 * DAY), now: nowMs };
  add('Expires exactly 400 days ahead', 'expiresMax', 'v', limit);
  add('Expires in the past, which deletes', 'expiresPast', 'v', { expires: inSeconds(-HOUR) });
  add('Expires at the epoch, which deletes', 'expiresEpoch', 'v', { expires: new Date(0) });
  const before1601 = { expires: yearAt(1600) };
  add(
    'Expires in the year 1600 (written as the epoch), which deletes',
    'expires1600',
    'v',
    before1601,
  );
  const year75 = { expires: yearAt(75) };
  add('Expires in the year 75 (written as the epoch), which deletes', 'expires75', 'v', year75);
  add('a negative Max-Age (written as 0), which deletes', 'maxAgeNegative', 'v', { maxAge: -1 });
  const both = { expires: inSeconds(HOUR), maxAge: 2 * HOUR };
  add('Max-Age winning over Expires', 'bothLonger', 'v', both);
  add('Max-Age=0 winning over a future Expires', 'bothZero', 'v', { ...both, maxAge: 0 });

  // Flags, SameSite, Partitioned, Priority.
  add('Secure', 'secure', 'v', { secure: true });
  add('HttpOnly', 'httpOnly', 'v', { httpOnly: true });
  add('Secure and HttpOnly', 'secureHttpOnly', 'v', { secure: true, httpOnly: true });
  add('SameSite=Strict', 'strict', 'v', { sameSite: 'Strict' });
  add('SameSite=Lax', 'lax', 'v', { sameSite: 'Lax' });
  add('SameSite=None with Secure', 'none', 'v', { sameSite: 'None', secure: true });
  add('Partitioned with Secure', 'partitioned', 'v', { partitioned: true, secure: true });
  const embedded = { partitioned: true, secure: true, sameSite: 'None', httpOnly: true } as const;
  add('Partitioned, SameSite=None and HttpOnly', 'embedded', 'v', { ...embedded, maxAge: DAY });
  const partitionedParent = { partitioned: true, secure: true, domain: PARENT_DOMAIN };
  add('Partitioned with a Domain', 'partitionedDom', 'v', partitionedParent, sub);
  add('Priority=Low', 'low', 'v', { priority: 'Low' });
  add('Priority=Medium', 'medium', 'v', { priority: 'Medium' });
  add('Priority=High', 'high', 'v', { priority: 'High' });
  // Spellings a typed caller cannot produce, but JavaScript can: written in canonical case.
  const loose = (options: Record<string, unknown>) => options as SetCookieOptions;
  add(
    'SameSite in lower case (written as Strict)',
    'strictLower',
    'v',
    loose({ sameSite: 'strict' }),
  );
  add('SameSite in upper case (written as Lax)', 'laxUpper', 'v', loose({ sameSite: 'LAX' }));
  add(
    'SameSite in mixed case (written as None)',
    'noneMixed',
    'v',
    loose({ sameSite: 'nOnE', secure: true }),
  );
  add('Priority in lower case (written as High)', 'highLower', 'v', loose({ priority: 'high' }));
  const session = { secure: true, httpOnly: true, sameSite: 'Lax', maxAge: 30 * DAY } as const;
  add('a typical session cookie', 'sid', 'v', { ...session, priority: 'High' });

  // Prefixes (RFC 6265bis section 4.1.3).
  add('__Secure- with Secure', '__Secure-a', 'v', { secure: true });
  add('__Secure- with a Domain and Path', '__Secure-b', 'v', scoped, sub);
  add('__Host- with Secure', '__Host-a', 'v', { secure: true });
  add('__Host- as Latchkey writes its session', '__Host-auth_token', 'v', session);
  add('__Http- with Secure and HttpOnly', '__Http-a', 'v', { secure: true, httpOnly: true });
  const httpScoped = { secure: true, httpOnly: true, domain: PARENT_DOMAIN };
  add('__Http- with a Domain', '__Http-b', 'v', httpScoped, sub);
  add('__Host-Http- with Secure and HttpOnly', '__Host-Http-a', 'v', { ...session });
  add('a lower-case __host- prefix that meets the rules', '__host-lower', 'v', { secure: true });
  add('a name holding a prefix further in', 'my__Host-a', 'v');
  add('a name one underscore short of a prefix', '_Host-a', 'v');
  add('a name with the prefix word but no hyphen', '__Hosta', 'v');

  // Sizes at the 4096-byte limit on name plus value.
  add('a value filling 4096 bytes with a one-letter name', 'L', 'v'.repeat(4095));
  add('a name filling 4096 bytes with a one-letter value', 'N'.repeat(4095), 'v');
  add('a name and a value of 2048 bytes each', 'H'.repeat(2048), 'h'.repeat(2048));
  add('a quoted value filling 4096 bytes', 'Q', `"${'q'.repeat(4093)}"`);
  add('a 4000-byte value with every flag', 'big', 'b'.repeat(4000), { ...session, maxAge: DAY });
  return sets;
}

/** January 1st of `year`, which may be below 100 (Date.UTC would read 30 as 1930). */
export function yearAt(year: number): Date {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year);
  return date;
}
