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

  void test('accepts a name and value of exactly 4096 bytes', () => {
    const value = 'v'.repeat(4095);
    assert.equal(serializeSetCookie('a', value), `a=${value}; Path=/`);
  });

  void test('accepts a Path of exactly 1024 bytes', () => {
    const path = `/${'p'.repeat(1023)}`;
    assert.equal(serializeSetCookie('a', 'b', { path }), `a=b; Path=${path}`);
  });
});
