import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseSetCookie } from '../../src/cookie/index.js';

import type { SetCookieRejectionCode } from '../../src/cookie/index.js';

const NOW = Date.UTC(2025, 0, 1);
const HTTPS = 'https://app.example.com/';
const HTTP = 'http://app.example.com/';

function refusedWith(line: string, url: string, code: SetCookieRejectionCode): void {
  const result = parseSetCookie(line, url, { now: NOW });
  assert.equal(result.stored ? 'stored' : result.code, code);
}

void describe('parseSetCookie refusals', () => {
  const cases: [title: string, line: string, url: string, code: SetCookieRejectionCode][] = [
    ['refuses a line with NUL', 'a=b\0c', HTTPS, 'CONTROL_CHARACTER'],
    [
      'refuses a line with LF (header splitting)',
      'a=b\nSet-Cookie: c=d',
      HTTPS,
      'CONTROL_CHARACTER',
    ],
    ['refuses a line with a bare CR', 'a=b\rc', HTTPS, 'CONTROL_CHARACTER'],
    ['refuses a line with DEL', 'a=b; Path=/\x7f', HTTPS, 'CONTROL_CHARACTER'],
    [
      'refuses a line with a control character in an attribute',
      'a=b; x=\x01',
      HTTPS,
      'CONTROL_CHARACTER',
    ],
    ['refuses an empty line', '', HTTPS, 'EMPTY_COOKIE'],
    ['refuses a lone "="', ' = ; Path=/', HTTPS, 'EMPTY_COOKIE'],
    ['refuses a name and value over 4096 octets', `a=${'b'.repeat(4096)}`, HTTPS, 'TOO_LARGE'],
    [
      'measures text beyond latin1 in UTF-8 octets',
      `a=${'\u20ac'.repeat(1366)}`,
      HTTPS,
      'TOO_LARGE',
    ],
    ['refuses a Domain the host does not match', 'a=b; Domain=other.com', HTTPS, 'DOMAIN_MISMATCH'],
    ['refuses a Domain of a sibling host', 'a=b; Domain=web.example.com', HTTPS, 'DOMAIN_MISMATCH'],
    [
      'refuses a Domain with two leading dots',
      'a=b; Domain=..example.com',
      HTTPS,
      'DOMAIN_MISMATCH',
    ],
    ['refuses a Domain with a trailing dot', 'a=b; Domain=example.com.', HTTPS, 'DOMAIN_MISMATCH'],
    [
      'refuses a Domain on an IP address it is not',
      'a=b; Domain=0.0.1',
      'http://10.0.0.1/',
      'DOMAIN_MISMATCH',
    ],
    [
      'refuses a top-level domain (cookie tossing)',
      'a=b; Domain=com',
      HTTPS,
      'DOMAIN_PUBLIC_SUFFIX',
    ],
    ['refuses ".com" too', 'a=b; Domain=.COM', HTTPS, 'DOMAIN_PUBLIC_SUFFIX'],
    [
      'refuses a non-ASCII Domain rather than fold a Kelvin sign into "k"',
      'a=b; Domain=\u212Aelvin.example',
      'https://kelvin.example/',
      'DOMAIN_NOT_ASCII',
    ],
    ['refuses Secure over plain http', 'a=b; Secure', HTTP, 'SECURE_FROM_INSECURE_ORIGIN'],
    ['refuses SameSite=None without Secure', 'a=b; SameSite=None', HTTPS, 'SAMESITE_NONE_INSECURE'],
    ['refuses Partitioned without Secure', 'a=b; Partitioned', HTTPS, 'PARTITIONED_INSECURE'],
    ['refuses __Secure- without Secure', '__Secure-a=b', HTTPS, 'PREFIX_VIOLATION'],
    ['matches prefixes case-insensitively', '__SECURE-a=b', HTTPS, 'PREFIX_VIOLATION'],
    [
      'refuses __Secure- with Secure over http',
      '__Secure-a=b; Secure',
      HTTP,
      'SECURE_FROM_INSECURE_ORIGIN',
    ],
    [
      'refuses __Host- with Domain',
      '__Host-a=b; Secure; Path=/; Domain=app.example.com',
      HTTPS,
      'PREFIX_VIOLATION',
    ],
    ['refuses __Host- without Path', '__Host-a=b; Secure', HTTPS, 'PREFIX_VIOLATION'],
    [
      'refuses __Host- with a Path other than /',
      '__host-a=b; Secure; Path=/x',
      HTTPS,
      'PREFIX_VIOLATION',
    ],
    ['refuses __Http- without HttpOnly', '__Http-a=b; Secure', HTTPS, 'PREFIX_VIOLATION'],
    [
      'refuses __Host-Http- without HttpOnly',
      '__Host-Http-a=b; Secure; Path=/',
      HTTPS,
      'PREFIX_VIOLATION',
    ],
    [
      'refuses a nameless cookie that would read as __Host-',
      '=__Host-a=b; Secure; Path=/',
      HTTPS,
      'PREFIX_VIOLATION',
    ],
    [
      'refuses a nameless cookie that would read as __Secure-',
      '__secure-a; Secure',
      HTTPS,
      'PREFIX_VIOLATION',
    ],
    [
      'refuses a URL that is not http(s) or ws(s)',
      'a=b',
      'ftp://example.com/',
      'UNSUPPORTED_SCHEME',
    ],
    ['refuses a request URL that does not parse', 'a=b', 'not a url', 'INVALID_INPUT'],
  ];
  for (const [title, line, url, code] of cases) {
    void test(title, () => {
      refusedWith(line, url, code);
    });
  }

  void test('accepts a name and value of exactly 4096 octets', () => {
    assert.ok(parseSetCookie(`a=${'b'.repeat(4095)}`, HTTPS, { now: NOW }).stored);
    // One character per octet when nothing is beyond U+00FF: the latin1 reading of header bytes.
    assert.ok(parseSetCookie(`a=${'\u00e9'.repeat(4095)}`, HTTPS, { now: NOW }).stored);
  });

  void test('accepts a tab, the one control character that is whitespace', () => {
    assert.ok(parseSetCookie('a=b\t;\tPath=/', HTTPS, { now: NOW }).stored);
  });

  void test('still reports the ignored attributes of a refused line', () => {
    const result = parseSetCookie('a=b; Version=1; Secure', HTTP, { now: NOW });
    assert.deepEqual(
      result.ignoredAttributes.map((item) => item.attribute),
      ['Version=1'],
    );
  });

  void test('never throws on arguments of the wrong type', () => {
    const junk: unknown[] = [undefined, null, 42, {}, [], new Date(NaN), Symbol('x')];
    for (const value of junk) {
      const asLine = parseSetCookie(value as string, HTTPS);
      assert.equal(asLine.stored ? 'stored' : asLine.code, 'INVALID_INPUT');
      const asUrl = parseSetCookie('a=b', value as string);
      assert.ok(asUrl.stored || asUrl.code === 'INVALID_INPUT');
      const asNow = parseSetCookie('a=b', HTTPS, { now: value as number });
      assert.ok(asNow.stored || asNow.code === 'INVALID_INPUT');
    }
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    const result = parseSetCookie('a=b', HTTPS, hostile);
    assert.equal(result.stored ? 'stored' : result.code, 'INVALID_INPUT');
  });

  void test('never echoes the cookie value in a reason', () => {
    const result = parseSetCookie('sid=s3cr3t-token; Domain=other.com', HTTPS, { now: NOW });
    assert.ok(!result.stored);
    assert.ok(!result.reason.includes('s3cr3t'));
  });
});
