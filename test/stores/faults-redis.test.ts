import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { SessionManager } from '../../src/session/index.js';
import {
  DEFAULT_REDIS_OPTIONS,
  RedisSessionStore,
  openRedisStores,
} from '../../src/stores/redis/index.js';
import { TrackedReads } from '../../src/stores/redis/tracked-reads.js';
import { validateUnderDisruption, waitForStore } from '../support/outage.js';
import { outcomeOf } from '../support/redis-connections.js';
import { findRedisServer, startPrivateRedis } from '../support/redis-server.js';
import { startSilentServer } from '../support/silent-server.js';
import { FAULT_USER, everyStoreCall, faultSession, timed } from '../support/store-calls.js';

import type { RedisStores } from '../../src/stores/redis/index.js';
import type { PrivateRedis } from '../support/redis-server.js';

/** How long any call may take while Redis is down: the 2 s command timeout and some margin. */
const OUTAGE_BOUND_MS = 3_000;

const found = findRedisServer();
const skip = 'skip' in found ? found.skip : false;

void describe('Redis store when its server fails (a redis-server of its own)', { skip }, () => {
  let redis: PrivateRedis;
  let stores: RedisStores;
  let manager: SessionManager;
  let token: string;
  const stored = faultSession(1);

  before(async () => {
    redis = await startPrivateRedis('path' in found ? found.path : '');
    stores = await openRedisStores(redis.url);
    await stores.users.insertUser(FAULT_USER);
    await stores.sessions.insertSession(stored);
    manager = new SessionManager(stores.sessions);
    ({ token } = await manager.createSession(FAULT_USER.id));
  });
  after(async () => {
    await stores.close();
    await redis.close();
  });

  void it('rejects every method with STORE_UNAVAILABLE within 3 s while down', async () => {
    await redis.kill();

    const calls = everyStoreCall(stores.sessions, stores.users);
    const results = await Promise.all(calls.map(([, call]) => timed(call)));

    for (const [index, [outcome, ms]] of results.entries()) {
      const name = calls[index]?.[0] ?? '';
      assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' }, name);
      assert.ok(ms < OUTAGE_BOUND_MS, `${name} took ${ms.toFixed(0)} ms`);
    }
  });

  void it('fails a session check with STORE_UNAVAILABLE, never "no session"', async () => {
    const [outcome, ms] = await timed(() => manager.validateSession(token));

    assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
    assert.ok(ms < OUTAGE_BOUND_MS);
  });

  void it('works again with the same store object once Redis is back, data intact', async () => {
    await redis.start();
    await waitForStore(() => stores.sessions.findSessionById(stored.id));

    assert.equal((await manager.validateSession(token))?.session.userId, FAULT_USER.id);
    assert.deepEqual(await stores.sessions.findSessionById(stored.id), stored);
    assert.deepEqual(await stores.users.findUserById(FAULT_USER.id), FAULT_USER);
  });

  void it('answers checks racing a crash with the session or STORE_UNAVAILABLE only', async (t) => {
    const counts = await validateUnderDisruption(manager, token, () => redis.kill());
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);

    assert.deepEqual([...counts.keys()].sort(), ['STORE_UNAVAILABLE', 'valid']);
    await redis.start();
    await waitForStore(() => manager.validateSession(token));
    assert.equal((await manager.validateSession(token))?.session.userId, FAULT_USER.id);
  });

  void it('fails calls to a frozen Redis after the 2 s timeout, then recovers', async () => {
    redis.freeze();
    // A turn of its own: a check made in the same run of promise callbacks as one that has just
    // passed its fence is answered as of that fence, from memory (see TrackedReads).
    await new Promise((resolve) => setImmediate(resolve));
    let result: Awaited<ReturnType<typeof timed>>;
    try {
      result = await timed(() => manager.validateSession(token));
    } finally {
      redis.thaw();
    }

    const [outcome, ms] = result;
    assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
    assert.ok(ms >= 1_900 && ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
    await waitForStore(() => manager.validateSession(token));
    assert.equal((await manager.validateSession(token))?.session.userId, FAULT_USER.id);
  });
});

void describe('Redis store facing a server that never answers', () => {
  void it('fails to open within 3 s with STORE_UNAVAILABLE', async () => {
    const silent = await startSilentServer();
    try {
      const [outcome, ms] = await timed(() =>
        openRedisStores(`redis://127.0.0.1:${String(silent.port)}`),
      );

      assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
      assert.ok(ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
    } finally {
      await silent.close();
    }
  });

  void it('fails to open at once with STORE_UNAVAILABLE when nothing listens', async () => {
    const silent = await startSilentServer();
    await silent.close();

    const [outcome, ms] = await timed(() =>
      openRedisStores(`redis://127.0.0.1:${String(silent.port)}`),
    );

    assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
    assert.ok(ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });
});

void describe('Redis store on a server whose ACL refuses CLIENT TRACKING', { skip }, () => {
  void it('opens, reports the refusal and reads every session from Redis', async () => {
    const redis = await startPrivateRedis('path' in found ? found.path : '', {
      appendOnly: false,
    });
    const admin = await openRedisStores(redis.url, { clientCache: false });
    const errors: string[] = [];
    try {
      await admin.client.call('ACL', 'SETUSER', 'default', '-client|tracking');
      const stores = await openRedisStores(redis.url, {
        onClientError: (error) => errors.push(error.message),
      });
      try {
        await stores.users.insertUser(FAULT_USER);
        const manager = new SessionManager(stores.sessions);
        const { token, session } = await manager.createSession(FAULT_USER.id);
        assert.equal((await manager.validateSession(token))?.session.id, session.id);
        // Revoked through another client: with nothing kept, refused at once.
        await admin.sessions.deleteSession(session.id);
        assert.equal(await manager.validateSession(token), null);
        assert.ok(
          errors.some((message) => message.includes('NOPERM')),
          JSON.stringify(errors),
        );
      } finally {
        await stores.close();
      }
    } finally {
      await admin.close();
      await redis.close();
    }
  });
});

void describe('Redis tracked reads when Redis is busy with a script', { skip }, () => {
  void it('fails the fence while Redis is busy, and keeps sessions again after', async () => {
    const redis = await startPrivateRedis('path' in found ? found.path : '', {
      appendOnly: false,
      extraArgs: ['--busy-reply-threshold', '100'],
    });
    const client = new Redis(redis.url, { ...DEFAULT_REDIS_OPTIONS, replyMapping: 'legacy' });
    const busy = new Redis(redis.url, {
      ...DEFAULT_REDIS_OPTIONS,
      commandTimeout: 5_000,
      replyMapping: 'legacy',
    });
    const errors: string[] = [];
    const reads = new TrackedReads(client, {
      prefix: 'busy:{u:',
      onError: (error) => errors.push(error.message),
    });
    try {
      await waitForStore(() => client.ping());
      await reads.start();
      const sessions = new RedisSessionStore(client, { keyPrefix: 'busy' }, reads);
      await sessions.insertSession(faultSession(1));
      await sessions.findSessionByTokenHash(faultSession(1).tokenHash);
      assert.equal(reads.live, true);
      // Half a second of a script: Redis answers other clients with BUSY meanwhile.
      const script = busy.eval(BUSY_SCRIPT, 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const during = await outcomeOf(sessions.findSessionByTokenHash(faultSession(1).tokenHash));
      assert.equal(during, 'STORE_UNAVAILABLE');
      await script;
      assert.ok(
        errors.some((message) => message.startsWith('BUSY')),
        JSON.stringify(errors),
      );
      const live = () => reads.live;
      for (let attempt = 0; attempt < 60 && !live(); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(live(), true, 'tracking is on again within 3 s of the script');
    } finally {
      await reads.close();
      client.disconnect();
      busy.disconnect();
      await redis.close();
    }
  });
});

/** Keeps Redis busy for half a second. */
const BUSY_SCRIPT = `
local start = redis.call('TIME')
while true do
  local now = redis.call('TIME')
  if (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 500000 then return 1 end
end`;
