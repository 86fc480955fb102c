import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cacheHeadersWithCookie, sharedCacheMayStore } from '../../src/http/shared-caches.js';

describe('shared caches and the session cookie', () => {
  it('reads Cache-Control directives as RFC 9111 writes them', () => {
    for (const value of ['no-store', 'private', 'PRIVATE, max-age=60', 'max-age=0 , No-Store']) {
      assert.equal(sharedCacheMayStore(value), false, value);
    }
    for (const value of [
      'public, max-age=300',
      's-maxage=60',
      'no-cache',
      // A private that names fields keeps only those fields out of a shared cache.
      'public, s-maxage=600, private="x-user"',
      // Directive names inside a quoted argument are not directives.
      'public, s-maxage=600, no-cache="a, private, b"',
      'public, no-cache="no-store"',
      // A no-break space is not HTTP whitespace: `\u00a0private` is no directive of RFC 9111.
      '\u00a0private, s-maxage=600',
      '',
    ]) {
      assert.equal(sharedCacheMayStore(value), true, value);
    }
  });

  it('CDN cache poisoning: CDN-Cache-Control and Surrogate-Control get no-store as well', () => {
    const headers = new Map([
      ['cache-control', 'private'],
      ['cdn-cache-control', 'max-age=600'],
      ['surrogate-control', 'max-age=600'],
    ]);
    assert.deepEqual(
      cacheHeadersWithCookie((name) => headers.get(name) ?? null),
      [
        ['CDN-Cache-Control', 'no-store'],
        ['Surrogate-Control', 'no-store'],
      ],
    );
    assert.deepEqual(
      cacheHeadersWithCookie(() => null),
      [['Cache-Control', 'no-store']],
    );
    // Surrogate-Control has no `private`: only its own no-store keeps a surrogate from storing.
    const surrogate = new Map([
      ['cache-control', 'no-store'],
      ['surrogate-control', 'private, max-age=600'],
    ]);
    assert.deepEqual(
      cacheHeadersWithCookie((name) => surrogate.get(name) ?? null),
      [['Surrogate-Control', 'no-store']],
    );
    const kept = new Map([
      ['cache-control', 'no-store'],
      ['cdn-cache-control', 'no-store'],
    ]);
    assert.deepEqual(
      cacheHeadersWithCookie((name) => kept.get(name) ?? null),
      [],
    );
  });
});
