import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { auditSetCookies } from '../../src/cookie/audit.js';
import { findChromium } from '../support/chromium.js';
import { openChromiumJar } from './oracle/chromium-jar.js';

import type { CookieAudit } from '../../src/cookie/audit.js';
import type { ChromiumCookie, ChromiumJar } from './oracle/chromium-jar.js';

// The auditor's verdict on a line (kept or not; its path, flags and lifetime) against what
// Debian's Chromium stores from the same line, sent by a loopback server in a real response.
// Lines a reviewer meets: framework defaults, prefixes, SameSite and CHIPS rules, deletions.

const found = findChromium();
const HOST = 'localhost';
const FROM = `http://${HOST}/set/1`;
const IN_A_WEEK = new Date(Date.now() + 7 * 86_400_000).toUTCString();

const AGREED: string[] = [
  'sid=abc; Path=/; HttpOnly',
  '__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
  '__Host-sid=abc; Path=/app; Secure',
  '__Secure-sid=abc; Path=/',
  '__secure-sid=abc; Path=/; Secure',
  'sid=abc; SameSite=None',
  'sid=abc; SameSite=None; Secure',
  'sid=abc; Secure; Partitioned',
  'sid=abc; Partitioned',
  'sid=abc; Domain=example.com',
  'sid=abc; Domain=localhost; Path=/',
  'sid=abc; Max-Age=0',
  'sid=abc; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
  'sid=abc; Max-Age=31536000000; Path=/',
  `sid=abc; Max-Age=600; Expires=${IN_A_WEEK}`,
  `connect.sid=s%3Aabc.def; Path=/; Expires=${IN_A_WEEK}; HttpOnly`,
  `sessionid=abc; expires=${IN_A_WEEK}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
  '_app_session=abc%3D%3D--def; path=/; HttpOnly; SameSite=Lax',
  'PHPSESSID=abc; path=/',
  '=abc; Path=/',
  'sid="quoted"; Path=/',
  'sid=abc; Path=app',
  'sid=abc; SameSite=Bogus',
  `sid=abc; Path=/; ${'x'.repeat(20)}=y`,
];

// Where Chromium departs from RFC 6265bis, which the auditor follows (README, "The cookie codec").
const DIVERGENCES: {
  line: string;
  chromium: string;
  check: (cookies: ChromiumCookie[]) => boolean;
}[] = [
  {
    line: 'a=1\tb; Path=/',
    chromium: 'drops a cookie with a tab inside its value',
    check: (cookies) => cookies.length === 0,
  },
  {
    line: 'sid=abc; Max-Age=+100; Path=/',
    chromium: 'reads Max-Age=+100 as 100 seconds; the RFC ignores the attribute',
    check: (cookies) => cookies.length === 1 && (cookies[0]?.expires ?? -1) > 0,
  },
];

function keeps(audit: CookieAudit | undefined): boolean {
  return (
    audit?.stored != null && !audit.findings.some((finding) => finding.code === 'DELETES_COOKIE')
  );
}

describe('the auditor against Chromium', 'skip' in found ? { skip: found.skip } : {}, () => {
  let jar: ChromiumJar;
  before(async () => {
    if ('path' in found) jar = await openChromiumJar(found.path);
  });
  after(async () => {
    await jar.close();
  });

  it('keeps what Chromium keeps, with the same path, flags and lifetime', async () => {
    for (const line of AGREED) {
      const { cookies } = await jar.deliver(HOST, [line]);
      const [audit] = auditSetCookies([{ line, from: FROM }]);
      assert.equal(keeps(audit), cookies.length === 1, `kept? ${line}`);
      const cookie = cookies[0];
      const stored = audit?.stored;
      if (cookie === undefined || stored == null || !keeps(audit)) continue;
      assert.equal(stored.path, cookie.path, `path of ${line}`);
      assert.equal(stored.secure, cookie.secure, `Secure of ${line}`);
      assert.equal(stored.httpOnly, cookie.httpOnly, `HttpOnly of ${line}`);
      assert.equal(stored.hostOnly, !cookie.domain.startsWith('.'), `host-only of ${line}`);
      assert.equal(stored.partitioned, cookie.partitionSite !== undefined, `CHIPS of ${line}`);
      assert.equal(stored.expires === null, cookie.expires === -1, `lifetime of ${line}`);
      if (stored.expires !== null) {
        // Chromium counts Max-Age from its own receipt of the response: a second or two apart.
        assert.ok(Math.abs(stored.expires.getTime() / 1000 - cookie.expires) < 5, line);
      }
    }
  });

  it('departs from Chromium only where the README says it does', async () => {
    for (const { line, chromium, check } of DIVERGENCES) {
      const { cookies } = await jar.deliver(HOST, [line]);
      assert.ok(check(cookies), `Chromium no longer ${chromium}: ${line}`);
      const [audit] = auditSetCookies([{ line, from: FROM }]);
      assert.equal(keeps(audit), true, line);
      assert.equal(audit?.stored?.expires ?? null, null, line);
    }
  });
});
