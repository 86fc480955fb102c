import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { ConfigError, LatchkeyError, StoreUnavailableError } from '../../src/errors.js';
import { SessionManager } from '../../src/session/index.js';
import { MemorySessionStore } from '../../src/stores/memory/index.js';
import { hashToken } from '../../src/token/index.js';
import { ManualClock } from '../support/clock.js';

import type { SessionRecord, SessionStore } from '../../src/session/index.js';

const policy = {
  idleTimeoutSeconds: 3_600,
  absoluteLifetimeSeconds: 86_400,
  renewalIntervalSeconds: 60,
};

describe('SessionManager', () => {
  let clock: ManualClock;
  let store: MemorySessionStore;
  let sessions: SessionManager;

  beforeEach(() => {
    clock = new ManualClock();
    store = new MemorySessionStore();
    sessions = new SessionManager(store, { policy, clock: clock.now });
  });

  it('stores only the SHA-256 of the token, never the token', async () => {
    const { token, session } = await sessions.createSession('user-1', { userAgent: 'Test/1.0' });
    const record = await store.findSessionById(session.id);
    assert.ok(record);
    assert.equal(record.tokenHash, hashToken(token));
    assert.equal(JSON.stringify(record).includes(token), false);
  });

  it('finds the session of a fresh token', async () => {
    const { token, session } = await sessions.createSession('user-1');
    const result = await sessions.validateSession(token);
    assert.equal(result?.session.id, session.id);
    assert.equal(result.session.userId, 'user-1');
    assert.equal(result.renewed, false);
  });

  it('a token differing by one byte is not a session', async () => {
    const { token } = await sessions.createSession('user-1');
    const forged = (token.startsWith('A') ? 'B' : 'A') + token.slice(1);
    assert.equal(await sessions.validateSession(forged), null);
  });

  it('junk tokens are not sessions and never throw', async () => {
    for (const junk of ['', 'x', 'a'.repeat(5000), '💥', null, undefined, 7, {}]) {
      assert.equal(await sessions.validateSession(junk), null);
    }
  });

  it('a session unused for the idle timeout ends, and is deleted', async () => {
    const { token, session } = await sessions.createSession('user-1');
    clock.advanceSeconds(3_600);
    assert.equal(await sessions.validateSession(token), null);
    assert.equal(await store.findSessionById(session.id), null);
  });

  it('a session used just before the idle timeout stays alive, and slides forward', async () => {
    const { token } = await sessions.createSession('user-1');
    clock.advanceSeconds(3_599);
    const result = await sessions.validateSession(token);
    assert.equal(result?.renewed, true);
    assert.equal(result.session.expiresAt.getTime(), clock.now() + 3_600_000);
    clock.advanceSeconds(3_599);
    assert.notEqual(await sessions.validateSession(token), null);
  });

  it('renewal writes at most once per renewal interval', async () => {
    const { token } = await sessions.createSession('user-1');
    const touches = countTouches(store);
    for (let second = 0; second < 300; second += 1) {
      clock.advanceSeconds(1);
      await sessions.validateSession(token);
    }
    assert.equal(touches.count, 5);
  });

  it('logs a revocation of a user’s sessions only when some ended', async () => {
    const events: { event: string; fields: unknown }[] = [];
    const logger = {
      log: (_: string, event: string, fields?: unknown) => events.push({ event, fields }),
    };
    const logged = new SessionManager(store, { policy, clock: clock.now, logger });
    const kept = await logged.createSession('user-1');
    await logged.createSession('user-1');

    assert.equal(await logged.invalidateOtherSessions('user-1', kept.session.id), 1);
    assert.equal(await logged.invalidateOtherSessions('user-1', kept.session.id), 0);
    assert.equal(await logged.invalidateUserSessions('user-1'), 1);
    assert.equal(await logged.invalidateUserSessions('user-1'), 0);

    const revocations = events.filter((entry) => entry.event.startsWith('session.revoked_'));
    assert.deepEqual(revocations, [
      { event: 'session.revoked_others', fields: { userId: 'user-1', count: 1 } },
      { event: 'session.revoked_all', fields: { userId: 'user-1', count: 1 } },
    ]);
  });

  it('a renewal the store cannot write is skipped, logged, and tried again next time', async () => {
    const events: { level: string; event: string; fields: unknown }[] = [];
    const logger = {
      log: (level: string, event: string, fields?: unknown) =>
        events.push({ level, event, fields }),
    };
    const logged = new SessionManager(store, { policy, clock: clock.now, logger });
    const { token, session } = await logged.createSession('user-1');
    const touch = store.touchSession.bind(store);
    store.touchSession = () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
    clock.advanceSeconds(120);
    const served = await logged.validateSession(token);
    assert.equal(served?.session.id, session.id, 'served while the write fails');
    assert.equal(served.renewed, false, 'no new cookie for a renewal not written');
    assert.equal(served.session.expiresAt.getTime(), session.expiresAt.getTime());
    const failed = events.filter((entry) => entry.event === 'session.renewal_failed');
    const [entry] = failed;
    assert.equal(failed.length, 1);
    assert.ok(entry);
    assert.equal(entry.level, 'warn');
    assert.match(JSON.stringify(entry.fields), /database is locked/);
    assert.doesNotMatch(JSON.stringify(events), new RegExp(token));

    store.touchSession = touch;
    const renewed = await logged.validateSession(token);
    assert.equal(renewed?.renewed, true, 'the next request renews');
  });

  it('a renewal that throws anything but a store failure still throws', async () => {
    const { token } = await sessions.createSession('user-1');
    store.touchSession = () => Promise.reject(new ConfigError('store', 'not a store outage'));
    clock.advanceSeconds(120);
    await assert.rejects(sessions.validateSession(token), ConfigError);
  });

  it('skips a renewal the store would refuse: an idle expiry later than the new one', async () => {
    // Created under a longer idle timeout (before it was lowered, or by another server).
    const longer = new SessionManager(store, {
      policy: { ...policy, idleTimeoutSeconds: 7_200, absoluteLifetimeSeconds: 86_400 },
      clock: clock.now,
    });
    const { token } = await longer.createSession('user-1');
    const touches = countTouches(store);
    for (let request = 0; request < 3; request += 1) {
      clock.advanceSeconds(61);
      const result = await sessions.validateSession(token);
      assert.equal(result?.renewed, false);
    }
    assert.equal(touches.count, 0);
    // Once the new idle timeout reaches past the old expiry, renewals write again.
    clock.advanceSeconds(3_600);
    assert.equal((await sessions.validateSession(token))?.renewed, true);
    assert.equal(touches.count, 1);
  });

  it('skips a renewal the store would refuse near the absolute expiry too', async () => {
    const week = 7 * 86_400;
    const longer = new SessionManager(store, {
      policy: { ...policy, idleTimeoutSeconds: week, absoluteLifetimeSeconds: 2 * week },
      clock: clock.now,
    });
    const { token } = await longer.createSession('user-1');
    // Renewed under the longer idle timeout on days 6 and 12.5: its idle expiry now lies past its
    // absolute one (day 19.5 against day 14).
    clock.advanceSeconds(6 * 86_400);
    assert.equal((await longer.validateSession(token))?.renewed, true);
    clock.advanceSeconds(6.5 * 86_400);
    assert.equal((await longer.validateSession(token))?.renewed, true);
    const touches = countTouches(store);
    // Within the last hour before the absolute end, with a one-hour idle timeout: a renewal
    // could move nothing (it would end the session at its absolute end, as now).
    const shorter = new SessionManager(store, {
      policy: { ...policy, absoluteLifetimeSeconds: 2 * week },
      clock: clock.now,
    });
    clock.advanceSeconds(1.5 * 86_400 - 1_800);
    for (let request = 0; request < 3; request += 1) {
      clock.advanceSeconds(61);
      assert.equal((await shorter.validateSession(token))?.renewed, false);
    }
    assert.equal(touches.count, 0);
  });

  it('the cookie Max-Age follows the renewed expiry', async () => {
    const { token, session } = await sessions.createSession('user-1');
    assert.equal(sessions.cookieMaxAgeSeconds(session), 3_600);
    clock.advanceSeconds(600);
    const result = await sessions.validateSession(token);
    assert.ok(result?.renewed);
    assert.equal(sessions.cookieMaxAgeSeconds(result.session), 3_600);
  });

  it('a session in constant use still ends at its absolute lifetime', async () => {
    const { token } = await sessions.createSession('user-1');
    for (let minute = 1; minute < 24 * 60; minute += 1) {
      clock.advanceSeconds(60);
      assert.notEqual(await sessions.validateSession(token), null, `minute ${minute}`);
    }
    clock.advanceSeconds(60);
    assert.equal(await sessions.validateSession(token), null);
  });

  it('the expiry never exceeds the absolute lifetime', async () => {
    const { token, session } = await sessions.createSession('user-1');
    for (let elapsed = 0; elapsed < 86_400 - 1_000 - 3_000; elapsed += 3_000) {
      clock.advanceSeconds(3_000);
      assert.notEqual(await sessions.validateSession(token), null);
    }
    clock.advanceSeconds(session.absoluteExpiresAt.getTime() / 1000 - clock.now() / 1000 - 1_000);
    const result = await sessions.validateSession(token);
    assert.deepEqual(result?.session.expiresAt, session.absoluteExpiresAt);
    assert.equal(sessions.cookieMaxAgeSeconds(result.session), 1_000);
  });

  it('session fixation: every login gets a new id and token', async () => {
    const first = await sessions.createSession('user-1');
    const second = await sessions.createSession('user-1');
    assert.notEqual(first.token, second.token);
    assert.notEqual(first.session.id, second.session.id);
  });

  it('rotation replaces the token and id, and the old token stops working', async () => {
    const { token, session } = await sessions.createSession('user-1');
    const rotated = await sessions.rotateSession(session.id);
    assert.ok(rotated);
    assert.notEqual(rotated.session.id, session.id);
    assert.equal(await sessions.validateSession(token), null);
    assert.equal((await sessions.validateSession(rotated.token))?.session.id, rotated.session.id);
    assert.deepEqual(rotated.session.absoluteExpiresAt, session.absoluteExpiresAt);
  });

  it('two concurrent rotations leave exactly one session', async () => {
    const { session } = await sessions.createSession('user-1');
    const results = await Promise.all([
      sessions.rotateSession(session.id),
      sessions.rotateSession(session.id),
    ]);
    assert.equal(results.filter((result) => result !== null).length, 1);
    assert.equal((await sessions.listUserSessions('user-1')).length, 1);
  });

  it('a bind that lands while a rotation runs stays with the rotated session', async () => {
    const { token, session } = await sessions.createSession('user-1');
    // Hold the rotation between its read of the session and its replaceSession, and bind the
    // session in that gap: the record the rotation built is unbound, the stored one is not.
    let entered!: () => void;
    const replacing = new Promise<void>((resolve) => (entered = resolve));
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    const replace = store.replaceSession.bind(store);
    let built: SessionRecord | undefined;
    store.replaceSession = async (oldId, next) => {
      built = next;
      entered();
      await gate;
      return replace(oldId, next);
    };

    const rotation = sessions.rotateSession(session.id);
    await replacing;
    const key = {
      algorithm: 'ES256' as const,
      publicKey: { kty: 'EC', crv: 'P-256', x: 'x-member', y: 'y-member' },
    };
    const binding = await sessions.bindSession(session.id, key);
    proceed();
    const rotated = await rotation;

    assert.ok(binding !== null, 'the bind found the old session and succeeded');
    assert.equal(built?.binding ?? null, null, 'the rotation built its record before the bind');
    assert.ok(rotated);
    assert.deepEqual((await store.findSessionById(rotated.session.id))?.binding, binding);
    assert.deepEqual((await sessions.validateSession(rotated.token))?.session.binding, binding);
    assert.equal(await sessions.validateSession(token), null);
    assert.equal(await sessions.bindSession(rotated.session.id, key), null);
  });

  it('replay after logout: an invalidated session is gone', async () => {
    const { token, session } = await sessions.createSession('user-1');
    await sessions.invalidateSession(session.id);
    assert.equal(await sessions.validateSession(token), null);
  });

  it('invalidating a user ends all of their sessions and no one else’s', async () => {
    const a = await sessions.createSession('user-1');
    const b = await sessions.createSession('user-1');
    const other = await sessions.createSession('user-2');
    assert.equal(await sessions.invalidateUserSessions('user-1'), 2);
    assert.equal(await sessions.validateSession(a.token), null);
    assert.equal(await sessions.validateSession(b.token), null);
    assert.notEqual(await sessions.validateSession(other.token), null);
  });

  it('lists live sessions only, newest first', async () => {
    const old = await sessions.createSession('user-1');
    clock.advanceSeconds(4_000);
    const fresh = await sessions.createSession('user-1');
    const listed = await sessions.listUserSessions('user-1');
    assert.deepEqual(
      listed.map((session) => session.id),
      [fresh.session.id],
    );
    assert.notEqual(old.session.id, fresh.session.id);
  });

  it('sweeps expired sessions in bounded batches and keeps live ones', async () => {
    for (let i = 0; i < 25; i += 1) await sessions.createSession(`user-${i}`);
    clock.advanceSeconds(3_600);
    const live = await sessions.createSession('user-live');
    let calls = 0;
    const sweep = store.deleteExpiredSessions.bind(store);
    store.deleteExpiredSessions = (now, limit) => {
      calls += 1;
      assert.equal(limit, 10);
      return sweep(now, limit);
    };
    assert.equal(await sessions.deleteExpiredSessions({ batchSize: 10 }), 25);
    assert.equal(calls, 3);
    assert.notEqual(await sessions.validateSession(live.token), null);
  });

  it('stops sweeping between batches once aborted, and says how many went', async () => {
    for (let i = 0; i < 25; i += 1) await sessions.createSession(`user-${i}`);
    clock.advanceSeconds(3_600);
    const stop = new AbortController();
    let calls = 0;
    const sweep = store.deleteExpiredSessions.bind(store);
    store.deleteExpiredSessions = async (now, limit) => {
      calls += 1;
      const deleted = await sweep(now, limit);
      // Aborted while the first batch runs: that batch finishes, no other starts.
      stop.abort();
      return deleted;
    };
    assert.equal(await sessions.deleteExpiredSessions({ batchSize: 10, signal: stop.signal }), 10);
    assert.equal(calls, 1);
    assert.equal(await sessions.deleteExpiredSessions({ signal: stop.signal }), 0);
    assert.equal(calls, 1);
  });

  it('trims the user agent to a short description without control characters', async () => {
    const { session } = await sessions.createSession('u', {
      userAgent: `A\r\nB${'x'.repeat(500)}`,
    });
    assert.equal(session.userAgent?.startsWith('AB'), true);
    assert.equal(session.userAgent.length, 200);
  });
});

describe('SessionManager with a failing store', () => {
  const failing: SessionStore = new Proxy(new MemorySessionStore(), {
    get: () => () => Promise.reject(new Error('connection refused')),
  });

  it('a store outage is an error, never "no session"', async () => {
    const sessions = new SessionManager(failing);
    const token = 'A'.repeat(42) + 'A';
    await assert.rejects(sessions.validateSession(token), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.ok(error.cause instanceof Error);
      return true;
    });
    await assert.rejects(sessions.createSession('u'), StoreUnavailableError);
  });
});

describe('session policy', () => {
  it('refuses an idle timeout longer than the absolute lifetime, naming the option', () => {
    assert.throws(
      () =>
        new SessionManager(new MemorySessionStore(), {
          policy: { idleTimeoutSeconds: 7_200, absoluteLifetimeSeconds: 3_600 },
        }),
      (error: unknown) =>
        error instanceof ConfigError && error.option === 'session.idleTimeoutSeconds',
    );
  });

  it('refuses a lifetime beyond the 400 days a browser keeps a cookie', () => {
    assert.throws(
      () =>
        new SessionManager(new MemorySessionStore(), {
          policy: { absoluteLifetimeSeconds: 401 * 86_400 },
        }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'CONFIG_INVALID',
    );
  });

  it('has documented defaults: one day idle, 14 days absolute', () => {
    const sessions = new SessionManager(new MemorySessionStore());
    assert.equal(sessions.policy.idleTimeoutSeconds, 86_400);
    assert.equal(sessions.policy.absoluteLifetimeSeconds, 1_209_600);
  });
});

/** Counts the store's `touchSession` calls (renewal writes) from now on. */
function countTouches(store: MemorySessionStore): { count: number } {
  const touches = { count: 0 };
  const touch = store.touchSession.bind(store);
  store.touchSession = (...args) => {
    touches.count += 1;
    return touch(...args);
  };
  return touches;
}
