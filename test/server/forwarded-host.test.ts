import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { cookiePair, errorCode, send, sendRaw, startTestServer } from '../support/server.js';
import { uniqueEmail } from '../support/users.js';

import type { TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';
const SITE = 'https://app.example.com';

// Requests come from 127.0.0.1, a trusted proxy here, and name the server by its own address in
// Host, as Traefik's forwardAuth does: the site's host is only in X-Forwarded-Host.
const FROM_SITE = {
  origin: SITE,
  'x-forwarded-host': 'app.example.com',
  'x-forwarded-proto': 'https',
};

describe('a proxy that names the site only in X-Forwarded-Host (--trust-forwarded-host)', () => {
  let server: TestServer;
  let without: TestServer;

  before(async () => {
    const env = { LATCHKEY_ORIGIN: SITE, LATCHKEY_TRUST_PROXY: '127.0.0.1' };
    server = await startTestServer({ env: { ...env, LATCHKEY_TRUST_FORWARDED_HOST: 'on' } });
    without = await startTestServer({ env });
  });
  after(async () => {
    await server.close();
    await without.close();
  });

  it('registers, logs in and verifies for the forwarded host, with HSTS for it', async () => {
    const email = uniqueEmail('forwarded');
    const registered = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
      headers: FROM_SITE,
    });
    assert.equal(registered.status, 201, registered.text);
    assert.match(registered.headers.get('strict-transport-security') ?? '', /max-age=/);
    const cookie = cookiePair(registered.setCookies[0]);

    const verified = await send(server.url, 'GET', '/auth/verify', {
      cookie,
      headers: { ...FROM_SITE, 'x-forwarded-method': 'POST' },
    });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.headers.get('x-latchkey-user-email'), email);
  });

  it('says so in the start-up summary', () => {
    const started = (log: TestServer) => log.logs.find((line) => line.event === 'server.started');
    assert.equal(started(server)?.trustForwardedHost, true);
    assert.equal(started(without)?.trustForwardedHost, undefined);
  });

  it('without the flag, the same requests are refused: Host names another server', async () => {
    const response = await send(without.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('unforwarded'), password: PASSWORD },
      headers: FROM_SITE,
    });
    assert.equal(response.status, 421, response.text);
    assert.equal(errorCode(response.body), 'MISDIRECTED_REQUEST');
  });

  it('a forwarded host other than --origin’s gets 421, as such a Host does', async () => {
    const response = await send(server.url, 'GET', '/auth/session', {
      headers: { 'x-forwarded-host': 'rebound.attacker.example' },
    });
    assert.equal(response.status, 421, response.text);
  });

  it('DNS rebinding from a trusted address: the page’s own Host is checked', async () => {
    // A browser on the proxy's machine reaches the server under its attacker's name, and a
    // page may send X-Forwarded-Host: it is not believed beside a public Host.
    const response = await sendRaw(`${server.url}/auth/session`, {
      headers: {
        host: `rebound.attacker.example:${new URL(server.url).port}`,
        'x-forwarded-host': 'app.example.com',
      },
    });
    assert.equal(response.status, 421, response.text);
  });

  it('a forwarded host with more than a host in it is not answered to (421)', async () => {
    for (const host of ['app.example.com/evil', 'app.example.com@evil.example', 'app example']) {
      const response = await send(server.url, 'GET', '/auth/session', {
        headers: { 'x-forwarded-host': host },
      });
      assert.equal(response.status, 421, host);
    }
  });

  it('says once when a forwarded host came beside a public Host and was not read', async () => {
    const own = await startTestServer({
      env: {
        LATCHKEY_ORIGIN: SITE,
        LATCHKEY_TRUST_PROXY: '127.0.0.1',
        LATCHKEY_TRUST_FORWARDED_HOST: 'on',
      },
    });
    try {
      const port = new URL(own.url).port;
      const unread = () => own.logs.filter((line) => line.event === 'proxy.forwarded_host_unread');
      // Read, and merely not answered to: nothing to say.
      const read = await sendRaw(`${own.url}/auth/session`, {
        headers: { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'other.example.com' },
      });
      assert.equal(read.status, 421);
      assert.equal(unread().length, 0);
      for (let round = 0; round < 2; round += 1) {
        const response = await sendRaw(`${own.url}/auth/session`, {
          headers: { host: `auth.corp.example.com:${port}`, 'x-forwarded-host': 'app.example.com' },
        });
        assert.equal(response.status, 421);
      }
      assert.equal(unread().length, 1);
      assert.equal(unread()[0]?.level, 'warn');
    } finally {
      await own.close();
    }
  });

  it('refuses to start with the flag but no trusted proxy, naming both', async () => {
    await assert.rejects(
      startTestServer({ env: { LATCHKEY_TRUST_FORWARDED_HOST: 'on' } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.option === '--trust-forwarded-host (LATCHKEY_TRUST_FORWARDED_HOST)' &&
        error.message.includes('--trust-proxy'),
    );
  });
});

describe('the origin unsafe requests must come from, with no --origin given', () => {
  let server: TestServer;
  let without: TestServer;
  const site = 'https://localhost:8443';
  const forwarded = { 'x-forwarded-host': 'localhost:8443', 'x-forwarded-proto': 'https' };

  before(async () => {
    const env = { LATCHKEY_TRUST_PROXY: '127.0.0.1' };
    server = await startTestServer({ env: { ...env, LATCHKEY_TRUST_FORWARDED_HOST: 'on' } });
    without = await startTestServer({ env });
  });
  after(async () => {
    await server.close();
    await without.close();
  });

  it('is the forwarded host’s: a request from it (Origin only) passes', async () => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('origin'), password: PASSWORD },
      headers: { ...forwarded, origin: site },
    });
    assert.equal(response.status, 201, response.text);
  });

  it('forgery: a request from another origin is refused, whatever host is forwarded', async () => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('forged'), password: PASSWORD },
      headers: { ...forwarded, origin: 'https://attacker.example' },
    });
    assert.equal(response.status, 403, response.text);
    assert.equal(errorCode(response.body), 'CSRF_ORIGIN_MISMATCH');
  });

  it('without the flag, the site’s own request is compared with Host and refused', async () => {
    const response = await send(without.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('origin'), password: PASSWORD },
      headers: { ...forwarded, origin: site },
    });
    assert.equal(response.status, 403, response.text);
    assert.equal(errorCode(response.body), 'CSRF_ORIGIN_MISMATCH');
  });
});
