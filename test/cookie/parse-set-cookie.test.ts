import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MAX_COOKIE_LIFETIME_SECONDS, parseSetCookie } from '../../src/cookie/index.js';

import type { StoredCookie } from '../../src/cookie/index.js';

const NOW = Date.UTC(2025, 0, 1);
const URL_ = 'https://app.example.com/account/settings';

/** The cookie a browser stores for `line` from `url` (`null`: no request URL given). */
function stored(line: string, url: string | null = URL_): StoredCookie {
  const result = parseSetCookie(line, url ?? undefined, { now: NOW });
  assert.ok(result.stored, `refused ${line}: ${result.stored ? '' : result.code}`);
  return result.cookie;
}

function ignoredOf(line: string): string[] {
  return parseSetCookie(line, URL_, { now: NOW }).ignoredAttributes.map((item) => item.attribute);
}

void describe('parseSetCookie', () => {
  void test('stores a plain cookie as host-only, on the default path, for the session', () => {
    assert.deepEqual(parseSetCookie('sid=abc', URL_, { now: NOW }), {
      stored: true,
      cookie: {
        name: 'sid',
        value: 'abc',
        domain: 'app.example.com',
        hostOnly: true,
        path: '/account',
        expires: null,
        secure: false,
        httpOnly: false,
        sameSite: 'Default',
        partitioned: false,
      },
      ignoredAttributes: [],
    });
  });

  void test('reads every attribute, whatever its case', () => {
    const cookie = stored(
      'sid=abc; max-age=60; DOMAIN=.Example.COM; path=/; SECURE; httponly; samesite=strict;' +
        ' partitioned',
    );
    assert.equal(cookie.expires?.getTime(), NOW + 60_000);
    assert.equal(cookie.domain, 'example.com');
    assert.equal(cookie.hostOnly, false);
    assert.equal(cookie.path, '/');
    assert.ok(cookie.secure && cookie.httpOnly && cookie.partitioned);
    assert.equal(cookie.sameSite, 'Strict');
  });

  void test('trims spaces and tabs, and keeps quotes and inner "=" in the value', () => {
    const cookie = stored(' \t name \t= \t"a=b" \t; Path=/');
    assert.equal(cookie.name, 'name');
    assert.equal(cookie.value, '"a=b"');
  });

  void test('reads a pair without "=" as a nameless cookie', () => {
    const cookie = stored('just-a-value; Path=/');
    assert.equal(cookie.name, '');
    assert.equal(cookie.value, 'just-a-value');
  });

  void test('lets Max-Age win over Expires in either order', () => {
    const expires = 'Expires=Wed, 01 Jan 2025 01:00:00 GMT';
    assert.equal(stored(`a=b; ${expires}; Max-Age=5`).expires?.getTime(), NOW + 5000);
    assert.equal(stored(`a=b; Max-Age=5; ${expires}`).expires?.getTime(), NOW + 5000);
    assert.deepEqual(ignoredOf(`a=b; ${expires}; Max-Age=5`), [expires]);
  });

  void test('reads a Max-Age of zero or less as an expiry in the past', () => {
    assert.equal(stored('a=b; Max-Age=0').expires?.getTime(), 0);
    assert.equal(stored('a=b; Max-Age=-1').expires?.getTime(), 0);
  });

  void test('caps Max-Age and Expires at 400 days', () => {
    const cap = NOW + MAX_COOKIE_LIFETIME_SECONDS * 1000;
    assert.equal(stored('a=b; Max-Age=999999999999999999999').expires?.getTime(), cap);
    assert.equal(stored('a=b; Expires=Fri, 01 Jan 2038 00:00:00 GMT').expires?.getTime(), cap);
  });

  void test('keeps an Expires in the past, which deletes the cookie', () => {
    const cookie = stored('a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    assert.equal(cookie.expires?.getTime(), 0);
  });

  void test('takes the last Domain, Path and SameSite, and reports the earlier ones', () => {
    const line = 'a=b; Path=/x; SameSite=Lax; Path=/y; SameSite=None; Secure';
    const cookie = stored(line);
    assert.equal(cookie.path, '/y');
    assert.equal(cookie.sameSite, 'None');
    assert.deepEqual(ignoredOf(line), ['Path=/x', 'SameSite=Lax']);
  });

  void test('gives the default path for an empty or relative Path, and reports it', () => {
    assert.equal(stored('a=b; Path=').path, '/account');
    assert.equal(stored('a=b; Path=docs').path, '/account');
    assert.deepEqual(ignoredOf('a=b; Path=docs'), ['Path=docs']);
  });

  void test('gives SameSite Default for an unknown value, and reports it', () => {
    assert.equal(stored('a=b; SameSite=Lax; SameSite=bogus').sameSite, 'Default');
    assert.deepEqual(ignoredOf('a=b; SameSite=bogus'), ['SameSite=bogus']);
  });

  void test('ignores an empty Domain, so the cookie stays host-only', () => {
    const cookie = stored('a=b; Domain=');
    assert.equal(cookie.hostOnly, true);
    assert.deepEqual(ignoredOf('a=b; Domain='), ['Domain=']);
  });

  void test('ignores attributes it does not know, invalid ones and values over 1024 octets', () => {
    const long = `Path=/${'a'.repeat(1024)}`;
    const line = `a=b; Version=1; Max-Age=5s; Expires=soon; Priority=High; ${long}; "Secure"`;
    const cookie = stored(line);
    assert.equal(cookie.expires, null);
    assert.equal(cookie.path, '/account');
    assert.equal(cookie.secure, false);
    assert.deepEqual(ignoredOf(line), [
      'Version=1',
      'Max-Age=5s',
      'Expires=soon',
      'Priority=High',
      long,
      '"Secure"',
    ]);
  });

  void test('reads a Domain equal to a single-label host as host-only', () => {
    const cookie = stored('a=b; Domain=localhost', 'http://localhost:3000/');
    assert.equal(cookie.domain, 'localhost');
    assert.equal(cookie.hostOnly, true);
  });

  void test('accepts Secure from https, localhost, 127.0.0.1 and [::1]', () => {
    for (const url of ['https://a.example/', 'http://localhost/', 'http://127.0.0.1:8080/']) {
      assert.ok(stored('a=b; Secure', url).secure, url);
    }
    assert.ok(stored('a=b; Secure', 'http://[::1]/').secure);
    assert.ok(stored('a=b; Secure', 'http://app.localhost/').secure);
  });

  void test('accepts every prefix whose rules the cookie meets', () => {
    assert.ok(stored('__Secure-a=b; Secure'));
    assert.ok(stored('__Host-a=b; Secure; Path=/'));
    assert.ok(stored('__Http-a=b; Secure; HttpOnly'));
    assert.ok(stored('__Host-Http-a=b; Secure; HttpOnly; Path=/'));
    assert.ok(stored('__%53ecure-a=b', 'http://app.example.com/'));
  });

  void test('keeps octets above 0x7F as they come (UTF-8 read as latin1)', () => {
    const latin1 = Buffer.from('caf\u00e9=cr\u00e8me', 'utf8').toString('latin1');
    const cookie = stored(latin1);
    assert.equal(Buffer.from(cookie.name + '=' + cookie.value, 'latin1').toString(), 'café=crème');
  });

  void test('leaves domain and path empty where only a request URL could give them', () => {
    const cookie = stored('a=b; Secure', null);
    assert.equal(cookie.domain, '');
    assert.equal(cookie.hostOnly, true);
    assert.equal(cookie.path, '');
    assert.equal(stored('a=b; Domain=example.com; Path=/x', null).domain, 'example.com');
  });

  void test('accepts the clock as a Date or as milliseconds', () => {
    const fromDate = parseSetCookie('a=b; Max-Age=1', URL_, { now: new Date(NOW) });
    assert.ok(fromDate.stored);
    assert.equal(fromDate.cookie.expires?.getTime(), NOW + 1000);
  });
});
