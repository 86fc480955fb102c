import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PEER, resolveClient } from '../support/resolve-client.js';

import type { TrustProxy } from '../../src/http/proxy.js';
import type { ResolverCase } from '../support/resolve-client.js';

// RFC 7239: `Forwarded: for=...;proto=...`, one element per hop, client-most first.
const cases: ResolverCase[] = [
  {
    name: 'Forwarded quoted IPv6 with port and proto',
    trust: 1,
    input: { forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https' },
    address: '2001:db8:cafe::17',
    protocol: 'https',
  },
  {
    name: 'Forwarded quoted IPv4 with port',
    trust: 1,
    input: { forwarded: 'for="192.0.2.60:8080";proto=http;by=203.0.113.43' },
    address: '192.0.2.60',
    protocol: 'http',
  },
  {
    name: 'Forwarded: names and values are case-insensitive',
    trust: 1,
    input: { forwarded: 'For="[::1]";PROTO=HTTPS' },
    address: '::1',
    protocol: 'https',
  },
  {
    name: 'Forwarded: 1 hop reads the last element',
    trust: 1,
    input: { forwarded: 'for=198.51.100.66;proto=https, for=192.0.2.43;proto=http' },
    address: '192.0.2.43',
    protocol: 'http',
  },
  {
    name: 'Forwarded: 2 hops read the one before',
    trust: 2,
    input: { forwarded: 'for=192.0.2.43;proto=https, for=10.0.0.2' },
    address: '192.0.2.43',
    protocol: 'https',
  },
  {
    name: 'with the forwarded header chosen, X-Forwarded-* is ignored',
    trust: 1,
    input: {
      forwarded: 'for=192.0.2.43;proto=https',
      xForwardedFor: '198.51.100.1',
      xForwardedProto: 'http',
    },
    address: '192.0.2.43',
    protocol: 'https',
  },
  {
    name: 'Forwarded: an IPv4 address with an obfuscated port (RFC 7239 section 6)',
    trust: 1,
    input: { forwarded: 'for="192.0.2.1:_abc";proto=https' },
    address: '192.0.2.1',
    protocol: 'https',
  },
  {
    name: 'Forwarded for=unknown: the proxy',
    trust: 1,
    input: { forwarded: 'for=unknown' },
    address: PEER,
    protocol: 'http',
  },
  {
    name: 'Forwarded obfuscated identifier: the proxy',
    trust: 1,
    input: { forwarded: 'for="_hidden";proto=https' },
    address: PEER,
  },
  {
    name: 'address spoofing: a quote left open swallows nothing: the proxy’s element is read',
    trust: 1,
    input: { forwarded: 'for=198.51.100.7;proto=https;x=", for=203.0.113.9;proto=http' },
    address: '203.0.113.9',
    protocol: 'http',
  },
  {
    name: 'address spoofing: a quote inside a token spoils only the client’s part',
    trust: 1,
    input: { forwarded: 'for=198.51.100.7;x=a"b, for=203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: 'address spoofing: text after a closing quote spoils only the client’s part',
    trust: 1,
    input: { forwarded: 'for="198.51.100.7"x, for=203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: 'address spoofing: an element hidden in an open quote stays behind the proxy’s',
    trust: ['127.0.0.1'],
    input: { forwarded: 'x="a, for=127.0.0.9;proto=https, for=203.0.113.9;proto=http' },
    address: '203.0.113.9',
    protocol: 'http',
  },
  {
    name: 'address spoofing: a backslash closing the header leaves its quote open',
    trust: 1,
    input: { forwarded: 'for=198.51.100.7;x="\\' },
    address: PEER,
  },
  {
    name: 'Forwarded: a comma inside a quoted value splits nothing',
    trust: 1,
    input: { forwarded: 'for=192.0.2.43;x="a, for=198.51.100.7", for=203.0.113.9;proto=https' },
    address: '203.0.113.9',
    protocol: 'https',
  },
  {
    name: 'Forwarded: spaces around separators and empty pairs are allowed',
    trust: 2,
    input: { forwarded: 'for=192.0.2.43 ; proto=https ;; , for=10.0.0.2' },
    address: '192.0.2.43',
    protocol: 'https',
  },
  {
    name: 'Forwarded garbage: the proxy',
    trust: 1,
    input: { forwarded: ';;=,,garbage' },
    address: PEER,
    protocol: 'http',
  },
];

describe('createClientResolver: the Forwarded header (RFC 7239)', () => {
  it('forged Forwarded passed through a proxy that writes X-Forwarded-For is not believed', () => {
    const resolved = resolveClient(
      1,
      {
        forwarded: 'for=203.0.113.66;proto=https',
        xForwardedFor: '198.51.100.1',
        xForwardedProto: 'http',
      },
      'x-forwarded',
    );
    assert.deepEqual(resolved, { address: '198.51.100.1', protocol: 'http' });
  });

  for (const testCase of cases) {
    it(testCase.name, () => {
      const resolved = resolveClient(testCase.trust, testCase.input);
      assert.equal(resolved.address, testCase.address);
      if (testCase.protocol !== undefined) assert.equal(resolved.protocol, testCase.protocol);
    });
  }

  it('never throws on hostile headers', () => {
    const hostile = ['', ',', '[', '[]', '[::1', '::ffff:', 'for=', '"', 'a'.repeat(10_000)];
    for (const trust of [1, 3, ['0.0.0.0/0', '::/0']] as TrustProxy[]) {
      for (const value of hostile) {
        const resolved = resolveClient(trust, {
          forwarded: value,
          xForwardedFor: value,
          xForwardedProto: value,
        });
        assert.equal(typeof resolved.address, 'string');
        assert.match(resolved.protocol, /^https?$/);
      }
    }
  });
});
