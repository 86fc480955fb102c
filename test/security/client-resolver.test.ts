import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { createClientResolver } from '../../src/http/proxy.js';
import { PEER, resolveClient } from '../support/resolve-client.js';

import type { TrustProxy } from '../../src/http/proxy.js';
import type { ResolverCase } from '../support/resolve-client.js';

const cases: ResolverCase[] = [
  // Not trusted: the socket is the truth, whatever the headers say.
  {
    name: 'trust off ignores XFF and XFP',
    trust: false,
    input: { xForwardedFor: '203.0.113.9', xForwardedProto: 'https' },
    address: PEER,
    protocol: 'http',
  },
  {
    name: 'trust off ignores Forwarded',
    trust: false,
    input: { forwarded: 'for=203.0.113.9;proto=https' },
    address: PEER,
    protocol: 'http',
  },
  {
    name: 'trust off keeps a TLS socket https',
    trust: false,
    input: { encrypted: true, xForwardedProto: 'http' },
    address: PEER,
    protocol: 'https',
  },
  {
    name: 'trust off reads an IPv4-mapped peer as IPv4',
    trust: false,
    input: { remoteAddress: '::ffff:192.0.2.7' },
    address: '192.0.2.7',
  },
  {
    name: 'a peer outside the list is not a proxy',
    trust: ['10.0.0.0/8'],
    input: { remoteAddress: '192.0.2.1', xForwardedFor: '203.0.113.9', xForwardedProto: 'https' },
    address: '192.0.2.1',
    protocol: 'http',
  },
  {
    name: 'an IPv6 peer outside an IPv6 range',
    trust: ['fd00::/8'],
    input: { remoteAddress: '2001:db8::1', xForwardedFor: '203.0.113.9' },
    address: '2001:db8::1',
  },
  {
    name: 'XFP wss and ws, which Traefik writes for a WebSocket handshake, are https and http',
    trust: 1,
    input: { xForwardedProto: 'wss' },
    address: PEER,
    protocol: 'https',
  },
  {
    name: 'XFP ws is http',
    trust: 1,
    input: { encrypted: true, xForwardedProto: 'ws' },
    address: PEER,
    protocol: 'http',
  },
  // Hop counts: the client is the entry the last trusted proxy wrote.
  {
    name: '1 hop: the rightmost XFF entry, not the client’s own',
    trust: 1,
    input: { xForwardedFor: '198.51.100.66, 203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: '2 hops: skip our second proxy',
    trust: 2,
    input: { xForwardedFor: '198.51.100.66, 203.0.113.9, 10.0.0.2' },
    address: '203.0.113.9',
  },
  {
    name: '3 hops but one entry: that entry',
    trust: 3,
    input: { xForwardedFor: '203.0.113.9' },
    address: '203.0.113.9',
  },
  { name: 'a trusted peer without XFF: the peer', trust: 1, input: {}, address: PEER },
  {
    name: '1 hop: the rightmost X-Forwarded-Proto',
    trust: 1,
    input: { xForwardedFor: '203.0.113.9', xForwardedProto: 'http, https' },
    address: '203.0.113.9',
    protocol: 'https',
  },
  {
    name: '1 hop: a client-sent https left of ours is ignored',
    trust: 1,
    input: { xForwardedProto: 'https, http' },
    address: PEER,
    protocol: 'http',
  },
  {
    name: 'an unknown X-Forwarded-Proto falls back to the socket',
    trust: 1,
    input: { xForwardedProto: 'ftp', encrypted: true },
    address: PEER,
    protocol: 'https',
  },
  // Lists of addresses and CIDR ranges.
  {
    name: 'IPv4 CIDR: walk past our proxies to the first other hop',
    trust: ['10.0.0.0/8'],
    input: { remoteAddress: '10.0.0.1', xForwardedFor: '10.0.0.5, 198.51.100.1, 10.0.0.6' },
    address: '198.51.100.1',
  },
  {
    name: 'IPv4 CIDR: every hop ours gives the leftmost',
    trust: ['10.0.0.0/8'],
    input: { remoteAddress: '10.0.0.1', xForwardedFor: '10.0.0.5, 10.0.0.6' },
    address: '10.0.0.5',
  },
  {
    name: 'IPv6 range and ::1',
    trust: ['fd00::/8', '::1'],
    input: { remoteAddress: '::1', xForwardedFor: '2001:db8::5, fd12::1' },
    address: '2001:db8::5',
  },
  {
    name: 'an IPv4-mapped peer matches an IPv4 entry',
    trust: ['127.0.0.1'],
    input: { remoteAddress: '::ffff:127.0.0.1', xForwardedFor: '203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: 'an IPv4-mapped XFF entry is read as IPv4',
    trust: [PEER],
    input: { xForwardedFor: '::ffff:203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: 'an IPv4-mapped list entry matches an IPv4 peer',
    trust: ['::ffff:127.0.0.1'],
    input: { xForwardedFor: '203.0.113.9' },
    address: '203.0.113.9',
  },
  // Ports, brackets and garbage in X-Forwarded-For.
  {
    name: 'XFF IPv4 with a port',
    trust: 1,
    input: { xForwardedFor: '203.0.113.9:51234' },
    address: '203.0.113.9',
  },
  {
    name: 'XFF bracketed IPv6 with a port',
    trust: 1,
    input: { xForwardedFor: '[2001:db8::1]:443' },
    address: '2001:db8::1',
  },
  {
    name: 'XFF empty entries are skipped',
    trust: 1,
    input: { xForwardedFor: ' , ,203.0.113.9, ' },
    address: '203.0.113.9',
  },
  {
    name: 'XFF garbage where the client should be: the proxy, never the garbage',
    trust: 1,
    input: { xForwardedFor: 'not-an-ip' },
    address: PEER,
  },
  {
    name: 'XFF garbage left of the client is never reached',
    trust: 1,
    input: { xForwardedFor: '<script>, 203.0.113.9' },
    address: '203.0.113.9',
  },
  {
    name: 'XFF a host name is not an address',
    trust: 1,
    input: { xForwardedFor: 'evil.example' },
    address: PEER,
  },
];

describe('createClientResolver: hop counts, address lists and X-Forwarded-*', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const resolved = resolveClient(testCase.trust, testCase.input);
      assert.equal(resolved.address, testCase.address);
      if (testCase.protocol !== undefined) assert.equal(resolved.protocol, testCase.protocol);
    });
  }

  it('refuses a bad setting at start-up, naming trustProxy', () => {
    const bad: TrustProxy[] = [
      0,
      -1,
      1.5,
      11,
      Number.NaN,
      ['not-an-ip'],
      ['10.0.0.0/33'],
      ['::/129'],
      ['10.0.0.0/x'],
      [''],
    ];
    for (const trust of bad) {
      assert.throws(
        () => createClientResolver(trust),
        (error: unknown) => error instanceof ConfigError && error.option === 'trustProxy',
        JSON.stringify(trust),
      );
    }
  });
});
