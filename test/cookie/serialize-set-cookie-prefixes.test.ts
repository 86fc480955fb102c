import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CookieError, serializeSetCookie } from '../../src/cookie/index.js';

import type { SetCookieOptions } from '../../src/cookie/index.js';

// The prefix rules of serializeSetCookie (RFC 6265bis section 4.1.3): every cookie a browser
// would refuse to store because of its name's prefix must be refused here first.
void describe('serializeSetCookie prefix rules', () => {
  const accepted: [title: string, name: string, options: SetCookieOptions, expected: string][] = [
    [
      'accepts a __Secure- cookie with Secure',
      '__Secure-id',
      { secure: true },
      '__Secure-id=v; Path=/; Secure',
    ],
    [
      'accepts a __Secure- cookie with a Domain and Path',
      '__Secure-id',
      { secure: true, domain: 'example.com', path: '/app' },
      '__Secure-id=v; Domain=example.com; Path=/app; Secure',
    ],
    [
      'accepts a __Host- cookie with Secure and the default Path',
      '__Host-sid',
      { secure: true },
      '__Host-sid=v; Path=/; Secure',
    ],
    [
      'accepts a __Host- cookie with an explicit Path=/',
      '__Host-sid',
      { secure: true, path: '/' },
      '__Host-sid=v; Path=/; Secure',
    ],
    [
      'accepts a __Http- cookie with Secure and HttpOnly',
      '__Http-sid',
      { secure: true, httpOnly: true },
      '__Http-sid=v; Path=/; Secure; HttpOnly',
    ],
    [
      'accepts a __Http- cookie with a Domain',
      '__Http-sid',
      { secure: true, httpOnly: true, domain: 'example.com' },
      '__Http-sid=v; Domain=example.com; Path=/; Secure; HttpOnly',
    ],
    [
      'accepts a __Host-Http- cookie with Secure, HttpOnly and Path=/',
      '__Host-Http-sid',
      { secure: true, httpOnly: true },
      '__Host-Http-sid=v; Path=/; Secure; HttpOnly',
    ],
    [
      'accepts a name that only contains a prefix later on',
      'my__Host-sid',
      {},
      'my__Host-sid=v; Path=/',
    ],
    [
      'accepts a name with one underscore fewer than a prefix',
      '_Host-sid',
      {},
      '_Host-sid=v; Path=/',
    ],
    ['accepts a name with the prefix word but no hyphen', '__Hostsid', {}, '__Hostsid=v; Path=/'],
  ];
  for (const [title, name, options, expected] of accepted) {
    void test(title, () => {
      assert.equal(serializeSetCookie(name, 'v', options), expected);
    });
  }

  const refused: [title: string, name: string, options: SetCookieOptions][] = [
    ['rejects a __Secure- cookie without Secure', '__Secure-id', {}],
    ['rejects a __Host- cookie without Secure', '__Host-sid', { path: '/' }],
    [
      'rejects a __Host- cookie with a Domain (cookie tossing from a subdomain)',
      '__Host-sid',
      { secure: true, domain: 'example.com' },
    ],
    [
      'rejects a __Host- cookie with a Path other than /',
      '__Host-sid',
      { secure: true, path: '/app' },
    ],
    ['rejects a __Http- cookie without HttpOnly', '__Http-sid', { secure: true }],
    ['rejects a __Http- cookie without Secure', '__Http-sid', { httpOnly: true }],
    ['rejects a __Host-Http- cookie without HttpOnly', '__Host-Http-sid', { secure: true }],
    ['rejects a __Host-Http- cookie without Secure', '__Host-Http-sid', { httpOnly: true }],
    [
      'rejects a __Host-Http- cookie with a Domain',
      '__Host-Http-sid',
      { secure: true, httpOnly: true, domain: 'example.com' },
    ],
    [
      'rejects a __Host-Http- cookie with a Path other than /',
      '__Host-Http-sid',
      { secure: true, httpOnly: true, path: '/a' },
    ],
    [
      'rejects a lowercase __secure- cookie without Secure, as browsers match any case',
      '__secure-id',
      {},
    ],
    [
      'rejects an uppercase __HOST- cookie with a Domain',
      '__HOST-sid',
      { secure: true, domain: 'example.com' },
    ],
    ['rejects a mixed-case __hOsT- cookie without Secure', '__hOsT-sid', {}],
    ['rejects a lowercase __http- cookie without HttpOnly', '__http-sid', { secure: true }],
    [
      'rejects a lowercase __host-http- cookie without HttpOnly',
      '__host-http-sid',
      { secure: true },
    ],
    ['rejects a bare __Host- name without Secure', '__Host-', {}],
  ];
  for (const [title, name, options] of refused) {
    void test(title, () => {
      assert.throws(
        () => serializeSetCookie(name, 'v', options),
        (error) => error instanceof CookieError && error.code === 'COOKIE_PREFIX_VIOLATION',
      );
    });
  }

  void test('names the prefix and the fix in the message', () => {
    assert.throws(
      () => serializeSetCookie('__Host-sid', 'v', { secure: true, domain: 'example.com' }),
      (error) =>
        error instanceof CookieError &&
        error.code === 'COOKIE_PREFIX_VIOLATION' &&
        error.message.includes('__Host-') &&
        error.message.includes('remove the domain option'),
    );
  });
});
