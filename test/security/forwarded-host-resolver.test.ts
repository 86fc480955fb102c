import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { createFetchRequestReader } from '../../src/http/fetch-request.js';
import { createNextHandlers, latchkeyNext } from '../../src/http/next.js';
import { createNodeRequestReader } from '../../src/http/node.js';
import { createClientResolver } from '../../src/http/proxy.js';
import { PEER, resolveClient } from '../support/resolve-client.js';
import { sendRaw } from '../support/server.js';

import type { AddressInfo } from 'node:net';
import type { ForwardingInput, TrustProxy } from '../../src/http/proxy.js';

/** The host a plain-HTTP request from {@link PEER} resolves to, with a forwarded host read. */
function forwardedHost(trust: TrustProxy, input: Partial<ForwardingInput>): string | undefined {
  // The proxy names Latchkey by its address, as Traefik's forwardAuth address usually does.
  const withHost = { host: '127.0.0.1:3000', ...input };
  return resolveClient(trust, withHost, undefined, { trustForwardedHost: true }).host;
}

describe('the host a trusted proxy forwards', () => {
  const cases: {
    name: string;
    trust: TrustProxy;
    input: Partial<ForwardingInput>;
    host?: string;
  }[] = [
    {
      name: "X-Forwarded-Host, as Traefik's forwardAuth sends it",
      trust: 1,
      input: { xForwardedHost: 'app.example.com', xForwardedProto: 'https' },
      host: 'app.example.com',
    },
    {
      name: 'with a port, lower-cased',
      trust: ['127.0.0.1'],
      input: { xForwardedHost: ' App.Example.COM:8443 ' },
      host: 'app.example.com:8443',
    },
    {
      name: 'several values: the last, which the nearest proxy wrote',
      trust: 1,
      input: { xForwardedHost: 'chosen-by-client.example, app.example.com' },
      host: 'app.example.com',
    },
    {
      name: 'an IPv6 literal with a port',
      trust: 1,
      input: { xForwardedHost: '[2001:DB8::1]:8080' },
      host: '[2001:db8::1]:8080',
    },
    {
      name: 'none sent: undefined, so that Host is used',
      trust: 1,
      input: {},
    },
    {
      name: 'host spoofing: not from a trusted peer, it is ignored',
      trust: ['10.0.0.0/8'],
      input: { xForwardedHost: 'app.example.com' },
    },
    {
      name: 'host spoofing: a path smuggled in names no host',
      trust: 1,
      input: { xForwardedHost: 'app.example.com/evil' },
      host: '',
    },
    {
      name: 'host spoofing: credentials smuggled in name no host',
      trust: 1,
      input: { xForwardedHost: 'user@evil.example' },
      host: '',
    },
    {
      name: 'a port out of shape names no host',
      trust: 1,
      input: { xForwardedHost: 'app.example.com:443:1' },
      host: '',
    },
    {
      name: 'empty names no host',
      trust: 1,
      input: { xForwardedHost: '' },
      host: '',
    },
    {
      name: 'Forwarded host= of the client element, quoted',
      trust: 1,
      input: { forwarded: 'for=192.0.2.43;host="app.example.com:8443";proto=https' },
      host: 'app.example.com:8443',
    },
    {
      name: 'Forwarded: the last element’s, which the nearest proxy added',
      trust: 2,
      input: { forwarded: 'for=192.0.2.43;host=chosen-by-client.example, for=10.0.0.2;host=app' },
      host: 'app',
    },
    {
      name: 'host spoofing: a comma quoted into Forwarded adds no element',
      trust: 1,
      input: {
        forwarded: 'for=192.0.2.43;host="evil.example,for=10.0.0.1;host=app.example.com;x="',
      },
      host: '',
    },
    {
      name: 'Forwarded: a quoted-pair is undone',
      trust: 1,
      input: { forwarded: 'for=192.0.2.43;host="app\\.example.com"' },
      host: 'app.example.com',
    },
    {
      name: 'DNS rebinding: Host a public name (a page’s own), the forwarded host is ignored',
      trust: ['127.0.0.1'],
      input: { host: 'rebound.attacker.example:3000', xForwardedHost: 'app.example.com' },
    },
    {
      name: 'Host a container’s name: believed',
      trust: 1,
      input: { host: 'latchkey:3000', xForwardedHost: 'app.example.com' },
      host: 'app.example.com',
    },
    {
      name: 'Host a Kubernetes service’s name: believed',
      trust: 1,
      input: { host: 'latchkey.auth.svc.cluster.local:3000', xForwardedHost: 'app.example.com' },
      host: 'app.example.com',
    },
    {
      name: 'Host a fully qualified name with its final dot: believed',
      trust: 1,
      input: { host: 'latchkey.auth.svc.cluster.local.:3000', xForwardedHost: 'app.example.com' },
      host: 'app.example.com',
    },
    {
      name: 'DNS rebinding over mDNS: a .local name anyone on the LAN answers is not believed',
      trust: 1,
      input: { host: 'printer.local:3000', xForwardedHost: 'app.example.com' },
    },
    {
      name: 'DNS rebinding: a public name with a final dot is not believed',
      trust: 1,
      input: { host: 'rebound.attacker.example.:3000', xForwardedHost: 'app.example.com' },
    },
    {
      name: 'Host an IPv6 address: believed',
      trust: 1,
      input: { host: '[fd00::5]:3000', xForwardedHost: 'app.example.com' },
      host: 'app.example.com',
    },
    {
      name: 'Host in brackets that hold no IPv6 address: not believed',
      trust: 1,
      input: { host: '[rebound.attacker.example]:3000', xForwardedHost: 'app.example.com' },
    },
    {
      name: 'no Host at all: the forwarded host is ignored',
      trust: 1,
      input: { host: undefined, xForwardedHost: 'app.example.com' },
    },
    {
      name: 'Forwarded without host=: undefined',
      trust: 1,
      input: { forwarded: 'for=192.0.2.43;proto=https' },
    },
    {
      name: 'with Forwarded chosen, X-Forwarded-Host is not read',
      trust: 1,
      input: { forwarded: 'for=192.0.2.43', xForwardedHost: 'evil.example' },
    },
  ];
  for (const { name, trust, input, host } of cases) {
    it(name, () => {
      assert.equal(forwardedHost(trust, input), host);
    });
  }

  it('host spoofing: with trustForwardedHost off, a trusted proxy’s header is not read', () => {
    const resolved = createClientResolver(1)({
      remoteAddress: PEER,
      encrypted: false,
      forwarded: 'for=192.0.2.43;host=evil.example',
      xForwardedFor: undefined,
      xForwardedProto: undefined,
      xForwardedHost: 'evil.example',
    });
    assert.equal(resolved.host, undefined);
  });

  it('says when a forwarded host other than Host was left unread beside a public Host', () => {
    const resolved = (host: string, xForwardedHost: string, header?: 'forwarded') =>
      resolveClient(1, { host, xForwardedHost }, header, { trustForwardedHost: true });
    assert.equal(resolved('auth.corp.example.com', 'app.example.com').forwardedHostUnread, true);
    // The same host as Host (nginx passing both): nothing was lost.
    assert.equal(resolved('app.example.com', 'app.example.com').forwardedHostUnread, undefined);
    // Read beside a proxy's Host, and not the header read when Forwarded is: nothing to say.
    assert.equal(resolved('127.0.0.1:3000', 'app.example.com').forwardedHostUnread, undefined);
    const fromForwarded = resolved('auth.corp.example.com', 'app.example.com', 'forwarded');
    assert.equal(fromForwarded.forwardedHostUnread, undefined);
  });

  it('is refused where Next.js handlers are made, not at their first request', () => {
    const never = (): never => {
      throw new Error('no instance is needed to check the options');
    };
    for (const make of [latchkeyNext, createNextHandlers]) {
      assert.throws(
        () => make(never, { trustForwardedHost: true }),
        (error: unknown) => error instanceof ConfigError && error.option === 'trustForwardedHost',
      );
    }
  });

  it('is refused at start-up without trusted proxies, naming the option', () => {
    for (const trust of [false, []] as const) {
      assert.throws(
        () => createClientResolver(trust, { trustForwardedHost: true }),
        (error: unknown) => error instanceof ConfigError && error.option === 'trustForwardedHost',
      );
    }
  });
});

describe('the adapters give the forwarded host as the request’s host', () => {
  it('a Web Request: Host is the forwarded one only when asked and from a trusted peer', () => {
    const request = new Request('http://127.0.0.1:3000/auth/verify', {
      headers: { host: '127.0.0.1:3000', 'x-forwarded-host': 'app.example.com' },
    });
    const reading = createFetchRequestReader({
      trustProxy: ['127.0.0.1'],
      trustForwardedHost: true,
    });
    assert.equal(reading(request, '127.0.0.1').header('host'), 'app.example.com');
    const untrusted = new Request(request);
    assert.equal(reading(untrusted, '192.0.2.1').header('host'), '127.0.0.1:3000');
    const off = createFetchRequestReader({ trustProxy: ['127.0.0.1'] });
    assert.equal(off(new Request(request), '127.0.0.1').header('host'), '127.0.0.1:3000');
  });

  it('node:http: Host is the forwarded one only when asked and from a trusted peer', async () => {
    const readers = {
      on: createNodeRequestReader({ trustProxy: ['127.0.0.1'], trustForwardedHost: true }),
      untrusted: createNodeRequestReader({ trustProxy: ['10.0.0.1'], trustForwardedHost: true }),
      off: createNodeRequestReader({ trustProxy: ['127.0.0.1'] }),
    };
    const server = createServer((incoming, outgoing) => {
      const seen = Object.fromEntries(
        Object.entries(readers).map(([name, read]) => [name, read(incoming).header('host')]),
      );
      outgoing.end(JSON.stringify(seen));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await sendRaw(`http://127.0.0.1:${String(port)}/auth/verify`, {
        headers: { host: 'localhost:3000', 'x-forwarded-host': 'App.Example.com' },
      });
      assert.deepEqual(JSON.parse(response.text), {
        on: 'app.example.com',
        untrusted: 'localhost:3000',
        off: 'localhost:3000',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
