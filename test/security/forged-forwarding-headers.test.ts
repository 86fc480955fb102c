import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { errorCode, send } from '../support/server.js';
import { uniqueEmail } from '../support/users.js';

import type { TestServer } from '../support/server.js';

const SPOOFED = {
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-proto': 'https',
  forwarded: 'for=203.0.113.9;proto=https',
};

/** Starts a server with this trustProxy setting and a small address limit (3 free failures). */
async function serverTrusting(trust: string | undefined): Promise<TestServer> {
  const clock = new ManualClock(Date.now());
  return startSecurityServer({
    clock: clock.now,
    env: trust === undefined ? {} : { LATCHKEY_TRUST_PROXY: trust },
    throttle: { addressFreeFailures: 3, accountFreeFailures: 1_000 },
  });
}

/** Five failed logins, each claiming a different client address; their statuses. */
async function sprayWithFreshAddresses(server: TestServer): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 1; i <= 5; i += 1) {
    const response = await send(server.url, 'POST', '/auth/login', {
      json: { email: uniqueEmail('spray'), password: 'a wrong pass phrase' },
      headers: { 'x-forwarded-for': `203.0.113.${i}`, forwarded: `for=203.0.113.${i}` },
    });
    statuses.push(response.status);
  }
  return statuses;
}

/** What the server made of a request with forged forwarding headers. */
async function probe(server: TestServer): Promise<{ client: unknown; hsts: string | null }> {
  const response = await send(server.url, 'GET', '/auth/session', { headers: SPOOFED });
  assert.equal(response.status, 401);
  const line = server.logs.findLast(
    (entry) => entry.event === 'http.request' && entry.path === '/auth/session',
  );
  return { client: line?.client, hsts: response.headers.get('strict-transport-security') };
}

describe('forged X-Forwarded-For and X-Forwarded-Proto from an untrusted hop', () => {
  for (const [label, trust] of [
    ['with trustProxy off (the default)', undefined],
    ['with trust of a different address', '10.0.0.1'],
    ['with trust of a different range and ::1', '192.168.0.0/16,::1'],
  ] as const) {
    it(`${label}: the forged client address is not believed, for the throttle or the logs`, async () => {
      const server = await serverTrusting(trust);
      try {
        // Every failure still counts against 127.0.0.1, so the address limit is reached.
        assert.deepEqual(await sprayWithFreshAddresses(server), [401, 401, 401, 401, 429]);
        assert.equal((await probe(server)).client, '127.0.0.1');
      } finally {
        await server.close();
      }
    });

    it(`${label}: X-Forwarded-Proto: https adds no HSTS and does not make https origins own`, async () => {
      const server = await serverTrusting(trust);
      try {
        assert.equal((await probe(server)).hsts, null);
        const httpsOrigin = server.url.replace(/^http:/, 'https:');
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail(), password: 'a wrong pass phrase' },
          headers: { ...SPOOFED, origin: httpsOrigin },
        });
        assert.equal(response.status, 403, response.text);
        assert.equal(errorCode(response.body), 'CSRF_ORIGIN_MISMATCH');
      } finally {
        await server.close();
      }
    });
  }

  for (const trust of ['127.0.0.1', '127.0.0.0/8', '1']) {
    it(`with LATCHKEY_TRUST_PROXY=${trust}, the same headers from the proxy are believed`, async () => {
      const server = await serverTrusting(trust);
      try {
        assert.deepEqual(await sprayWithFreshAddresses(server), [401, 401, 401, 401, 401]);
        const seen = await probe(server);
        assert.equal(seen.client, '203.0.113.9');
        // Believed to be HTTPS (the origin check below shows it), but on a loopback host,
        // where HSTS is never sent (test/server/hsts.test.ts).
        assert.equal(seen.hsts, null);
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail(), password: 'a wrong pass phrase' },
          headers: { ...SPOOFED, origin: server.url.replace(/^http:/, 'https:') },
        });
        assert.equal(response.status, 401, 'the https origin is the server’s own');
      } finally {
        await server.close();
      }
    });
  }
});
