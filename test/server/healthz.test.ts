import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { waitUntil } from '../support/processes.js';
import { findRedisServer, startPrivateRedis } from '../support/redis-server.js';
import { errorCode, send, sendRaw, startTestServer } from '../support/server.js';

import type { PrivateRedis } from '../support/redis-server.js';
import type { TestServer } from '../support/server.js';

// The status of a request sent with the given method and Host (fetch sends its own Host).
async function statusOf(url: string, method: string, host?: string): Promise<number> {
  const response = await sendRaw(url, { method, headers: host === undefined ? {} : { host } });
  return response.status;
}

describe('GET /healthz on SQLite', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('answers 200 {"status":"ok"}, not to be stored, with the security headers', async () => {
    const response = await send(server.url, 'GET', '/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'ok' });
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await statusOf(`${server.url}/healthz`, 'HEAD'), 200);
  });

  it('answers a probe that names the server by an address it does not serve', async () => {
    const host = '10.0.0.5:3000';
    assert.equal(await statusOf(`${server.url}/healthz`, 'GET', host), 200);
    const elsewhere = await statusOf(`${server.url}/auth/session`, 'GET', host);
    assert.equal(elsewhere, 421, 'every other path still checks the Host');
  });

  it('answers 405 to any method but GET and HEAD', async () => {
    const response = await send(server.url, 'POST', '/healthz', {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });
});

const found = findRedisServer();

describe(
  'GET /healthz while its Redis is killed and restarted',
  'skip' in found ? { skip: found.skip } : {},
  () => {
    let redis: PrivateRedis;
    let server: TestServer;
    before(async () => {
      if (!('path' in found)) return;
      redis = await startPrivateRedis(found.path, { appendOnly: false });
      server = await startTestServer({
        env: { LATCHKEY_STORE: `${redis.url}?prefix=latchkey_health` },
      });
    });
    after(async () => {
      await server.close();
      await redis.close();
    });

    it('answers 503 STORE_UNAVAILABLE while the store is down, 200 once it is back', async () => {
      assert.equal((await send(server.url, 'GET', '/healthz')).status, 200);

      await redis.kill();
      const down = await send(server.url, 'GET', '/healthz');
      assert.equal(down.status, 503);
      assert.equal(errorCode(down.body), 'STORE_UNAVAILABLE');
      // The answer a load balancer sees on failure carries the headers every answer carries.
      assert.equal(down.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(down.headers.get('x-frame-options'), 'DENY');
      assert.equal(down.headers.get('cache-control'), 'no-store');

      await redis.start();
      await waitUntil(
        'the health check to pass again',
        async () => (await send(server.url, 'GET', '/healthz')).status === 200,
        { attempts: 50, intervalMs: 200 },
      );
    });
  },
);
