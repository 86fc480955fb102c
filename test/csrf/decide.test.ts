import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decideCsrf } from '../../src/csrf/index.js';

import type { CsrfInput } from '../../src/csrf/index.js';

const base: CsrfInput = {
  method: 'POST',
  secFetchSite: undefined,
  origin: undefined,
  ownOrigin: 'https://auth.example.com',
  trustedOrigins: new Set(['https://app.example.com']),
  hasSessionCookie: true,
  token: undefined,
  verifyToken: (token) => token === 'good',
};

const decide = (changes: Partial<CsrfInput>): string => {
  const verdict = decideCsrf({ ...base, ...changes });
  return verdict.allowed ? `allowed:${verdict.by}` : verdict.code;
};

describe('decideCsrf', () => {
  it('lets safe methods through without looking further', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) {
      assert.equal(decide({ method, secFetchSite: 'cross-site' }), 'allowed:safe-method');
    }
  });

  it('treats every other method as unsafe, custom ones included', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'X-CUSTOM']) {
      assert.equal(decide({ method, secFetchSite: 'cross-site' }), 'CSRF_CROSS_SITE', method);
    }
  });

  const table: [string, Partial<CsrfInput>, string][] = [
    ['same-origin fetch metadata', { secFetchSite: 'same-origin' }, 'allowed:fetch-metadata'],
    ['a user-initiated request (none)', { secFetchSite: 'none' }, 'allowed:fetch-metadata'],
    ['fetch metadata in another case', { secFetchSite: ' Same-Origin ' }, 'allowed:fetch-metadata'],
    ['cross-site fetch metadata', { secFetchSite: 'cross-site' }, 'CSRF_CROSS_SITE'],
    [
      'a sibling subdomain (same-site)',
      { secFetchSite: 'same-site', origin: 'https://evil.example.com' },
      'CSRF_CROSS_SITE',
    ],
    [
      'a trusted origin, cross-site',
      { secFetchSite: 'cross-site', origin: 'https://app.example.com' },
      'allowed:origin',
    ],
    ['an unknown fetch metadata value', { secFetchSite: 'sideways' }, 'CSRF_CROSS_SITE'],
    [
      'cross-site even with a valid token',
      { secFetchSite: 'cross-site', token: 'good' },
      'CSRF_CROSS_SITE',
    ],
    ['our own Origin, no fetch metadata', { origin: 'https://auth.example.com' }, 'allowed:origin'],
    ['a trusted Origin', { origin: 'https://app.example.com' }, 'allowed:origin'],
    ['a foreign Origin', { origin: 'https://evil.example' }, 'CSRF_ORIGIN_MISMATCH'],
    ['Origin: null (sandboxed frame, data: URL)', { origin: 'null' }, 'CSRF_ORIGIN_MISMATCH'],
    [
      'our origin on another port',
      { origin: 'https://auth.example.com:8443' },
      'CSRF_ORIGIN_MISMATCH',
    ],
    ['our origin over plain HTTP', { origin: 'http://auth.example.com' }, 'CSRF_ORIGIN_MISMATCH'],
    ['neither header, no session cookie', { hasSessionCookie: false }, 'allowed:no-credentials'],
    ['neither header, a session cookie, no token', {}, 'CSRF_TOKEN_MISSING'],
    ['neither header, an empty token', { token: '' }, 'CSRF_TOKEN_MISSING'],
    ['neither header, a forged token', { token: 'forged' }, 'CSRF_TOKEN_INVALID'],
    ['neither header, the session’s token', { token: 'good' }, 'allowed:token'],
  ];
  for (const [name, changes, expected] of table) {
    it(`decides ${name}: ${expected}`, () => {
      assert.equal(decide(changes), expected);
    });
  }

  it('never calls the token check when a header decides', () => {
    let calls = 0;
    const verifyToken = (): boolean => {
      calls += 1;
      return true;
    };
    decideCsrf({ ...base, secFetchSite: 'cross-site', token: 'good', verifyToken });
    decideCsrf({ ...base, origin: 'https://evil.example', token: 'good', verifyToken });
    assert.equal(calls, 0);
  });
});
