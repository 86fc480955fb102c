import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { MemorySessionStore } from '../../src/stores/memory/index.js';
import { LoginThrottle, addressBucket, delayAfterFailures } from '../../src/throttle/index.js';
import { ManualClock } from '../support/clock.js';

import type { LoginAttempt } from '../../src/throttle/index.js';

const policy = {
  accountFreeFailures: 3,
  addressFreeFailures: 6,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  resetAfterSeconds: 3_600,
};

describe('LoginThrottle', () => {
  let clock: ManualClock;
  let throttle: Pick<LoginThrottle, 'recordFailure' | 'recordSuccess'> & {
    check: (who: LoginAttempt) => Promise<{ allowed: boolean }>;
  };
  const attempt = (email: string, address = '192.0.2.1', deviceId: string | null = null) =>
    ({ email, address, deviceId }) satisfies LoginAttempt;

  beforeEach(() => {
    clock = new ManualClock();
    const inner = new LoginThrottle(new MemorySessionStore(), { policy, clock: clock.now });
    // Each check here stands for a finished attempt: release its hold at once.
    throttle = Object.assign(Object.create(inner) as LoginThrottle, {
      check: async (who: LoginAttempt) => {
        const verdict = await inner.check(who);
        if (!verdict.allowed) return verdict;
        verdict.release();
        return { allowed: true as const };
      },
      recordFailure: (who: LoginAttempt) => inner.recordFailure(who),
      recordSuccess: (who: LoginAttempt) => inner.recordSuccess(who),
    });
  });

  const fail = async (times: number, who: LoginAttempt) => {
    for (let i = 0; i < times; i += 1) await throttle.recordFailure(who);
  };

  it('allows the free failures, then waits 1, 2, 4 seconds', async () => {
    const ada = attempt('ada@example.com');
    await fail(3, ada);
    assert.deepEqual(await throttle.check(ada), { allowed: true });
    await fail(1, ada);
    assert.deepEqual(await throttle.check(ada), {
      allowed: false,
      retryAfterSeconds: 1,
      scope: 'account',
    });
    clock.advanceSeconds(1);
    assert.deepEqual(await throttle.check(ada), { allowed: true });
    await fail(1, ada);
    assert.equal((await throttle.check(ada)).allowed, false);
    assert.deepEqual(await throttle.check(ada), {
      allowed: false,
      retryAfterSeconds: 2,
      scope: 'account',
    });
    clock.advanceSeconds(2);
    await fail(1, ada);
    assert.deepEqual(await throttle.check(ada), {
      allowed: false,
      retryAfterSeconds: 4,
      scope: 'account',
    });
  });

  it('an attacker cannot lock a user out for good: the wait stops growing at the maximum', () => {
    assert.equal(delayAfterFailures({ ...policy }, 1_000_000, 3), 60);
  });

  it('counts an account the same whatever the case of the email', async () => {
    await fail(4, attempt('Ada@Example.com'));
    assert.equal((await throttle.check(attempt('ada@example.com'))).allowed, false);
  });

  it('other spellings of one account share its counter (full-width letters, Unicode domain)', async () => {
    await fail(2, attempt('\uff41\uff44\uff41@b\u00fccher.de'));
    await fail(2, attempt('ADA@xn--bcher-kva.de'));
    assert.equal((await throttle.check(attempt('ada@bücher.de'))).allowed, false);
  });

  it('a guessing spree on one account does not slow another account', async () => {
    await fail(5, attempt('ada@example.com', '198.51.100.7'));
    assert.deepEqual(await throttle.check(attempt('grace@example.com', '192.0.2.1')), {
      allowed: true,
    });
  });

  it('a spree over many accounts from one address hits the address limit', async () => {
    for (let i = 0; i < 7; i += 1) await fail(1, attempt(`user${i}@example.com`, '203.0.113.5'));
    const verdict = await throttle.check(attempt('fresh@example.com', '203.0.113.5'));
    assert.deepEqual(verdict, { allowed: false, retryAfterSeconds: 1, scope: 'address' });
    assert.deepEqual(await throttle.check(attempt('fresh@example.com', '192.0.2.1')), {
      allowed: true,
    });
  });

  it('a known device is counted on its own, so an attack elsewhere does not hold it up', async () => {
    await fail(10, attempt('ada@example.com', '203.0.113.5'));
    assert.equal((await throttle.check(attempt('ada@example.com', '192.0.2.1'))).allowed, false);
    assert.deepEqual(await throttle.check(attempt('ada@example.com', '192.0.2.1', 'device-1')), {
      allowed: true,
    });
  });

  it('success forgets the account’s failures but not the address’s', async () => {
    await fail(4, attempt('ada@example.com'));
    clock.advanceSeconds(10);
    await throttle.recordSuccess(attempt('ada@example.com'));
    await fail(1, attempt('ada@example.com'));
    assert.deepEqual(await throttle.check(attempt('ada@example.com')), { allowed: true });
    await fail(2, attempt('someone@example.com'));
    assert.equal(
      (await throttle.check(attempt('x@example.com'))).allowed,
      false,
      '7 from one address',
    );
  });

  it('forgets failures after the reset period', async () => {
    await fail(10, attempt('ada@example.com'));
    clock.advanceSeconds(3_600);
    assert.deepEqual(await throttle.check(attempt('ada@example.com')), { allowed: true });
    await fail(1, attempt('ada@example.com'));
    assert.deepEqual(await throttle.check(attempt('ada@example.com')), { allowed: true });
  });
});

describe('LoginThrottle with attempts in flight', () => {
  it('parallel guesses cannot outrun the counter: one attempt per account at a time', async () => {
    const throttle = new LoginThrottle(new MemorySessionStore(), { policy });
    const who = { email: 'ada@example.com', address: '192.0.2.1', deviceId: null };
    const first = await throttle.check(who);
    assert.ok(first.allowed);
    assert.deepEqual(await throttle.check(who), {
      allowed: false,
      retryAfterSeconds: 1,
      scope: 'account',
    });
    first.release();
    const again = await throttle.check(who);
    assert.ok(again.allowed);
    again.release();
  });
});

describe('addressBucket', () => {
  it('keeps IPv4 addresses whole and counts IPv6 clients by their /64', () => {
    assert.equal(addressBucket('192.0.2.1'), '192.0.2.1');
    assert.equal(addressBucket('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:db8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('::1'), '0:0:0:0::/64');
  });
});
