import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MAX_COOKIE_LIFETIME_SECONDS, serializeSetCookie } from '../../src/cookie/index.js';

import type { SetCookieOptions } from '../../src/cookie/index.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const daysFromNow = (days: number): Date => new Date(NOW.getTime() + days * 24 * 60 * 60 * 1000);

void describe('serializeSetCookie', () => {
  void test('writes the founding document line exactly', () => {
    assert.equal(
      serializeSetCookie('auth_token', 'secure_token_value', {
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      }),
      'auth_token=secure_token_value; Path=/; Secure; HttpOnly; SameSite=Strict',
    );
  });

  const pairs: [title: string, name: string, value: string, expected: string][] = [
    ['writes an empty value', 'a', '', 'a=; Path=/'],
    ['writes a value in double quotes as given', 'a', '"b_c"', 'a="b_c"; Path=/'],
    ['writes an empty quoted value', 'a', '""', 'a=""; Path=/'],
    [
      'writes every token character in a name',
      "!#$%&'*+-.^_`|~09Zz",
      'v',
      "!#$%&'*+-.^_`|~09Zz=v; Path=/",
    ],
    ['writes every cookie-octet in a value', 'a', "!#+-:<[]~'()*%", "a=!#+-:<[]~'()*%; Path=/"],
  ];
  for (const [title, name, value, expected] of pairs) {
    void test(title, () => {
      assert.equal(serializeSetCookie(name, value), expected);
    });
  }

  // Each case writes the cookie a=b with the given options.
  const written: [title: string, options: SetCookieOptions, expected: string][] = [
    ['defaults Path to "/"', {}, 'a=b; Path=/'],
    [
      'writes Expires as an IMF-fixdate',
      { expires: daysFromNow(1), now: NOW },
      'a=b; Expires=Thu, 02 Jan 2025 00:00:00 GMT; Path=/',
    ],
    [
      'accepts an Expires in the past, which deletes',
      { expires: new Date(0), now: NOW },
      'a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/',
    ],
    [
      'accepts an Expires exactly 400 days ahead',
      { expires: daysFromNow(400), now: NOW.getTime() },
      'a=b; Expires=Thu, 05 Feb 2026 00:00:00 GMT; Path=/',
    ],
    [
      'accepts a Max-Age of exactly 400 days',
      { maxAge: MAX_COOKIE_LIFETIME_SECONDS },
      'a=b; Max-Age=34560000; Path=/',
    ],
    ['writes Max-Age 0, which deletes', { maxAge: 0 }, 'a=b; Max-Age=0; Path=/'],
    [
      'writes Domain as given',
      { domain: 'sub.Example.com' },
      'a=b; Domain=sub.Example.com; Path=/',
    ],
    [
      'writes a Domain that is an IPv4 address',
      { domain: '127.0.0.1' },
      'a=b; Domain=127.0.0.1; Path=/',
    ],
    ['writes a custom Path', { path: '/api/v1' }, 'a=b; Path=/api/v1'],
    ['writes Secure', { secure: true }, 'a=b; Path=/; Secure'],
    ['writes HttpOnly', { httpOnly: true }, 'a=b; Path=/; HttpOnly'],
    ['writes SameSite=Lax', { sameSite: 'Lax' }, 'a=b; Path=/; SameSite=Lax'],
    [
      'writes SameSite=None with Secure',
      { sameSite: 'None', secure: true },
      'a=b; Path=/; Secure; SameSite=None',
    ],
    [
      'writes Partitioned with Secure',
      { partitioned: true, secure: true },
      'a=b; Path=/; Secure; Partitioned',
    ],
    ['writes Priority', { priority: 'High' }, 'a=b; Path=/; Priority=High'],
    [
      'writes no flag that is false',
      { secure: false, httpOnly: false, partitioned: false },
      'a=b; Path=/',
    ],
    [
      'writes nothing for undefined options',
      { domain: undefined, maxAge: undefined },
      'a=b; Path=/',
    ],
    [
      'writes every attribute in the fixed order',
      {
        priority: 'Low',
        partitioned: true,
        sameSite: 'None',
        httpOnly: true,
        secure: true,
        path: '/',
        domain: 'example.com',
        maxAge: 60,
        expires: daysFromNow(1),
        now: NOW,
      },
      'a=b; Expires=Thu, 02 Jan 2025 00:00:00 GMT; Max-Age=60; Domain=example.com; Path=/;' +
        ' Secure; HttpOnly; SameSite=None; Partitioned; Priority=Low',
    ],
  ];
  for (const [title, options, expected] of written) {
    void test(title, () => {
      assert.equal(serializeSetCookie('a', 'b', options), expected);
    });
  }

  // Spellings that browsers read the same as a canonical one: accepted, and written canonically.
  const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';
  const canonical: [title: string, options: SetCookieOptions, expected: string][] = [
    [
      'writes a Domain with a leading dot without the dot',
      { domain: '.Example.com' },
      'a=b; Domain=Example.com; Path=/',
    ],
    [
      'writes a Domain label that starts or ends with a hyphen as given',
      { domain: '-x.y-.example.com' },
      'a=b; Domain=-x.y-.example.com; Path=/',
    ],
    [
      'writes a Domain label with an underscore as given',
      { domain: '_dmarc.example.com' },
      'a=b; Domain=_dmarc.example.com; Path=/',
    ],
    [
      'percent-encodes a Path beyond ASCII as UTF-8',
      { path: '/caf\u00e9/\u{1F36A}' },
      'a=b; Path=/caf%C3%A9/%F0%9F%8D%AA',
    ],
    [
      'leaves an already percent-encoded Path alone',
      { path: '/caf%C3%A9' },
      'a=b; Path=/caf%C3%A9',
    ],
    [
      'writes a lone surrogate in a Path as U+FFFD, as the URL parser does',
      { path: '/a\ud800' },
      'a=b; Path=/a%EF%BF%BD',
    ],
    ['writes a negative Max-Age as 0, which deletes', { maxAge: -1 }, 'a=b; Max-Age=0; Path=/'],
    [
      'writes an Expires an hour ago as the epoch, which deletes',
      { expires: new Date(NOW.getTime() - 3_600_000), now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
    [
      'writes an Expires equal to now as the epoch',
      { expires: NOW, now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
    [
      'writes an Expires before 1601, which browsers read as no date, as the epoch',
      { expires: new Date('1600-12-31T00:00:00Z'), now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
    [
      'writes an Expires in the year 75, which browsers read as 1975, as the epoch',
      { expires: new Date('0075-06-01T00:00:00Z'), now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
    [
      'writes an Expires in the year 20, which browsers read as 2020, as the epoch',
      { expires: new Date('0020-06-01T00:00:00Z'), now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
    [
      'writes an Expires before the common era as the epoch',
      { expires: new Date('-000500-01-01T00:00:00Z'), now: NOW },
      `a=b; Expires=${EPOCH}; Path=/`,
    ],
  ];
  for (const [title, options, expected] of canonical) {
    void test(title, () => {
      assert.equal(serializeSetCookie('a', 'b', options), expected);
    });
  }

  // What a JavaScript caller, unchecked by the compiler, may pass.
  const cased: [title: string, options: unknown, expected: string][] = [
    [
      'writes SameSite in lower case as Strict',
      { sameSite: 'strict' },
      'a=b; Path=/; SameSite=Strict',
    ],
    ['writes SameSite in upper case as Lax', { sameSite: 'LAX' }, 'a=b; Path=/; SameSite=Lax'],
    [
      'writes SameSite in mixed case as None',
      { sameSite: 'nOnE', secure: true },
      'a=b; Path=/; Secure; SameSite=None',
    ],
    ['writes Priority in lower case as High', { priority: 'high' }, 'a=b; Path=/; Priority=High'],
  ];
  for (const [title, options, expected] of cased) {
    void test(title, () => {
      assert.equal(serializeSetCookie('a', 'b', options as SetCookieOptions), expected);
    });
  }

  void test('accepts a name and value of exactly 4096 bytes', () => {
    const value = 'v'.repeat(4095);
    assert.equal(serializeSetCookie('a', value), `a=${value}; Path=/`);
  });

  void test('accepts a Path of exactly 1024 bytes', () => {
    const path = `/${'p'.repeat(1023)}`;
    assert.equal(serializeSetCookie('a', 'b', { path }), `a=b; Path=${path}`);
  });

  void test('accepts a Path beyond ASCII that fills exactly 1024 bytes once encoded', () => {
    // "é" is two bytes of UTF-8, six characters once percent-encoded: 1 + 6 * 170 + 3 = 1024.
    const path = `/${'\u00e9'.repeat(170)}ppp`;
    const written = `/${'%C3%A9'.repeat(170)}ppp`;
    assert.equal(serializeSetCookie('a', 'b', { path }), `a=b; Path=${written}`);
  });
});
