import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  CookieError,
  MAX_COOKIE_LIFETIME_SECONDS,
  serializeSetCookie,
} from '../../src/cookie/index.js';

import type { CookieErrorCode, SetCookieOptions } from '../../src/cookie/index.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const daysFromNow = (days: number): Date => new Date(NOW.getTime() + days * 24 * 60 * 60 * 1000);

function throwsCode(fn: () => unknown, code: CookieErrorCode): void {
  assert.throws(fn, (error) => error instanceof CookieError && error.code === code);
}

void describe('serializeSetCookie refusals', () => {
  const badPairs: [title: string, name: string, value: string, code: CookieErrorCode][] = [
    ['rejects an empty name', '', 'v', 'COOKIE_NAME_INVALID'],
    ['rejects a name with a space', 'a b', 'v', 'COOKIE_NAME_INVALID'],
    ['rejects a name with "="', 'a=b', 'v', 'COOKIE_NAME_INVALID'],
    ['rejects a name with ";"', 'a;b', 'v', 'COOKIE_NAME_INVALID'],
    [
      'rejects a name with CR LF (header injection)',
      'a\r\nSet-Cookie: x',
      'v',
      'COOKIE_NAME_INVALID',
    ],
    ['rejects a name with a separator such as "("', 'a(b', 'v', 'COOKIE_NAME_INVALID'],
    ['rejects a non-ASCII name', 'caf\u00e9', 'v', 'COOKIE_NAME_INVALID'],
    ['rejects a value with a space', 'a', 'b c', 'COOKIE_VALUE_INVALID'],
    [
      'rejects a value with ";" (attribute injection)',
      'a',
      'b; Domain=evil.example',
      'COOKIE_VALUE_INVALID',
    ],
    ['rejects a value with CR LF (header injection)', 'a', 'b\r\nX: y', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with a comma', 'a', 'b,c', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with a backslash', 'a', 'b\\c', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with NUL', 'a', 'b\0', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with DEL', 'a', 'b\x7f', 'COOKIE_VALUE_INVALID'],
    ['rejects a non-ASCII value', 'a', '\u20ac', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with an unbalanced double quote', 'a', '"b', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with a double quote inside', 'a', 'b"c', 'COOKIE_VALUE_INVALID'],
    ['rejects a value with two pairs of double quotes', 'a', '""b""', 'COOKIE_VALUE_INVALID'],
    ['rejects a name and value over 4096 bytes', 'a', 'b'.repeat(4096), 'COOKIE_TOO_LARGE'],
  ];
  for (const [title, name, value, code] of badPairs) {
    void test(title, () => {
      throwsCode(() => serializeSetCookie(name, value), code);
    });
  }

  // Each case tries to write the cookie a=b with the given options.
  const invalid: CookieErrorCode = 'COOKIE_ATTRIBUTE_INVALID';
  const badOptions: [title: string, options: SetCookieOptions, code: CookieErrorCode][] = [
    ['rejects an invalid Date as expires', { expires: new Date(NaN) }, invalid],
    [
      'rejects an expires in the year 30, which browsers read as 2030',
      { expires: new Date('0030-01-01T00:00:00Z'), now: NOW },
      invalid,
    ],
    [
      'rejects an expires in the year 30 before the common era, also read as 2030',
      { expires: new Date('-000030-01-01T00:00:00Z'), now: NOW },
      invalid,
    ],
    [
      'rejects an expires beyond the year 9999 even within 400 days of now',
      { expires: new Date('+010000-01-01T00:00:00Z'), now: new Date('9999-12-01T00:00:00Z') },
      invalid,
    ],
    [
      'rejects an expires over 400 days ahead',
      { expires: new Date(daysFromNow(400).getTime() + 1), now: NOW },
      'COOKIE_LIFETIME_TOO_LONG',
    ],
    [
      'rejects an expires over 400 days after the real clock by default',
      { expires: new Date(Date.now() + 401 * 86_400_000) },
      'COOKIE_LIFETIME_TOO_LONG',
    ],
    ['rejects an invalid now', { expires: NOW, now: new Date(NaN) }, invalid],
    [
      'rejects a Max-Age over 400 days',
      { maxAge: MAX_COOKIE_LIFETIME_SECONDS + 1 },
      'COOKIE_LIFETIME_TOO_LONG',
    ],
    ['rejects a fractional negative Max-Age', { maxAge: -0.5 }, invalid],
    ['rejects a fractional Max-Age', { maxAge: 1.5 }, invalid],
    ['rejects an infinite Max-Age', { maxAge: Infinity }, invalid],
    ['rejects a NaN Max-Age', { maxAge: NaN }, invalid],
    ['rejects an empty Domain', { domain: '' }, invalid],
    ['rejects a Domain of a lone dot', { domain: '.' }, invalid],
    ['rejects a Domain with two leading dots', { domain: '..example.com' }, invalid],
    [
      'rejects a Domain with ";" (attribute injection)',
      { domain: 'example.com; Path=/x' },
      invalid,
    ],
    ['rejects a Domain with a line break', { domain: 'example.com\n' }, invalid],
    ['rejects a Domain with a port', { domain: 'example.com:443' }, invalid],
    ['rejects a Domain with an empty label', { domain: 'example..com' }, invalid],
    ['rejects a Domain with a trailing dot', { domain: 'example.com.' }, invalid],
    ['rejects a Domain label with "!"', { domain: 'x!y.example.com' }, invalid],
    ['rejects a Domain label with "*"', { domain: '*.example.com' }, invalid],
    ['rejects a Domain label over 63 characters', { domain: `${'x'.repeat(64)}.com` }, invalid],
    [
      'rejects a Domain over 253 characters',
      { domain: `${'x'.repeat(60)}.`.repeat(5) + 'com' },
      invalid,
    ],
    ['rejects a Domain not written in ASCII', { domain: 'b\u00fccher.example' }, invalid],
    ['rejects a Path that does not start with "/"', { path: 'api' }, invalid],
    ['rejects an empty Path', { path: '' }, invalid],
    ['rejects a Path with ";" (attribute injection)', { path: '/; Domain=evil.example' }, invalid],
    ['rejects a Path with a control character', { path: '/a\tb' }, invalid],
    ['rejects a Path with CR LF (header injection)', { path: '/\r\nX: y' }, invalid],
    ['rejects a Path with NUL', { path: '/\0' }, invalid],
    [
      'rejects a Path beyond ASCII over 1024 bytes once percent-encoded',
      { path: `/${'\u00e9'.repeat(171)}` },
      invalid,
    ],
    ['rejects a Path ending with a space', { path: '/a ' }, invalid],
    ['rejects a Path over 1024 bytes', { path: `/${'p'.repeat(1024)}` }, invalid],
    ['rejects SameSite=None without Secure', { sameSite: 'None' }, 'COOKIE_SAMESITE_NONE_INSECURE'],
    ['rejects Partitioned without Secure', { partitioned: true }, 'COOKIE_PARTITIONED_INSECURE'],
  ];
  for (const [title, options, code] of badOptions) {
    void test(title, () => {
      throwsCode(() => serializeSetCookie('a', 'b', options), code);
    });
  }

  // What a JavaScript caller, unchecked by the compiler, may pass.
  const mistyped: [
    title: string,
    name: unknown,
    value: unknown,
    options: unknown,
    CookieErrorCode,
  ][] = [
    ['a name that is not a string', 42, 'v', {}, 'COOKIE_NAME_INVALID'],
    ['a value that is not a string', 'a', 42, {}, 'COOKIE_VALUE_INVALID'],
    ['options that are not an object', 'a', 'v', 'secure', invalid],
    ['an expires that is not a Date', 'a', 'v', { expires: '2030-01-01' }, invalid],
    ['a maxAge given as a string', 'a', 'v', { maxAge: '60' }, invalid],
    ['a flag given as a string', 'a', 'v', { secure: 'false' }, invalid],
    ['a misspelt SameSite', 'a', 'v', { sameSite: 'Strcit' }, invalid],
    ['a SameSite that is not a string', 'a', 'v', { sameSite: 1 }, invalid],
    [
      'a SameSite spelt with a long s ("\u017Ftrict")',
      'a',
      'v',
      { sameSite: '\u017Ftrict' },
      invalid,
    ],
    ['an unknown Priority', 'a', 'v', { priority: 'Urgent' }, invalid],
    ['a domain that is not a string', 'a', 'v', { domain: 1 }, invalid],
    ['a path given as null', 'a', 'v', { path: null }, invalid],
  ];
  for (const [title, name, value, options, code] of mistyped) {
    void test(`refuses ${title} with a CookieError, not a TypeError`, () => {
      const call = serializeSetCookie as (
        name: unknown,
        value: unknown,
        options: unknown,
      ) => string;
      throwsCode(() => call(name, value, options), code);
    });
  }

  void test('never puts the cookie value in an error message', () => {
    const secret = 'sekr3t_value';
    const attempts: (() => unknown)[] = [
      () => serializeSetCookie('a', `${secret} x`),
      () => serializeSetCookie('a', secret.repeat(400)),
      () => serializeSetCookie('a', secret, { sameSite: 'None' }),
      () => serializeSetCookie('__Host-a', secret, { domain: 'example.com', secure: true }),
      () => serializeSetCookie('a', secret, { maxAge: -0.5 }),
    ];
    for (const attempt of attempts) {
      assert.throws(attempt, (error) => {
        assert.ok(error instanceof CookieError);
        assert.ok(error.message.startsWith('latchkey: '), error.message);
        assert.ok(!error.message.includes(secret), error.message);
        return true;
      });
    }
  });
});
