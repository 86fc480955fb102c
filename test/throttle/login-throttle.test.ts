import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { MemorySessionStore } from '../../src/stores/memory/index.js';
import { LoginThrottle, addressBucket, delayAfterFailures } from '../../src/throttle/index.js';
import { recordingCalls } from '../support/calls.js';
import { ManualClock } from '../support/clock.js';

import type { LoginAttempt } from '../../src/throttle/index.js';

const policy = {
  accountFreeFailures: 3,
  addressFreeFailures: 6,
  registrationFreeAttempts: 4,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  resetAfterSeconds: 3_600,
};

const attempt = (
  email: string,
  address = '192.0.2.1',
  extra: Partial<LoginAttempt> = {},
): LoginAttempt => ({ email, address, deviceId: null, credentialStamp: 'stamp-1', ...extra });

describe('LoginThrottle', () => {
  let clock: ManualClock;
  let throttle: LoginThrottle;

  beforeEach(() => {
    clock = new ManualClock();
    throttle = new LoginThrottle(new MemorySessionStore(), { policy, clock: clock.now });
  });

  /** Runs one attempt to its end: failed (or succeeded), released. */
  const tryOnce = async (who: LoginAttempt, outcome: 'fail' | 'succeed' = 'fail') => {
    const verdict = await throttle.check(who);
    if (!verdict.allowed) return verdict;
    try {
      if (outcome === 'fail') await throttle.recordFailure(verdict.attempt);
      else await throttle.recordSuccess(verdict.attempt);
    } finally {
      verdict.attempt.release();
    }
    return { allowed: true as const };
  };
  const fail = async (times: number, who: LoginAttempt) => {
    for (let i = 0; i < times; i += 1) await tryOnce(who);
  };
  const check = async (who: LoginAttempt) => {
    const verdict = await throttle.check(who);
    if (!verdict.allowed) return verdict;
    verdict.attempt.release();
    return { allowed: true as const };
  };

  it('allows the free failures, then waits 1, 2, 4 seconds', async () => {
    const ada = attempt('ada@example.com');
    await fail(3, ada);
    assert.deepEqual(await check(ada), { allowed: true });
    await fail(1, ada);
    assert.deepEqual(await check(ada), { allowed: false, retryAfterSeconds: 1, scope: 'account' });
    clock.advanceSeconds(1);
    await fail(1, ada);
    assert.deepEqual(await check(ada), { allowed: false, retryAfterSeconds: 2, scope: 'account' });
    clock.advanceSeconds(2);
    await fail(1, ada);
    assert.deepEqual(await check(ada), { allowed: false, retryAfterSeconds: 4, scope: 'account' });
  });

  it('an attacker cannot lock a user out for long: the wait stops growing at the maximum', () => {
    assert.equal(delayAfterFailures({ ...policy }, 1_000_000, 3), 60);
  });

  it('counts an account the same whatever the spelling of the email', async () => {
    await fail(2, attempt('\uff41\uff44\uff41@b\u00fccher.de'));
    await fail(2, attempt('ADA@xn--bcher-kva.de'));
    assert.equal((await check(attempt('ada@bücher.de'))).allowed, false);
  });

  it('a guessing spree on one account does not slow another account', async () => {
    await fail(5, attempt('ada@example.com', '198.51.100.7'));
    assert.deepEqual(await check(attempt('grace@example.com')), { allowed: true });
  });

  it('a spree over many accounts from one address hits the address limit', async () => {
    for (let i = 0; i < 7; i += 1) await fail(1, attempt(`user${i}@example.com`, '203.0.113.5'));
    const verdict = await check(attempt('fresh@example.com', '203.0.113.5'));
    assert.deepEqual(verdict, { allowed: false, retryAfterSeconds: 1, scope: 'address' });
    assert.deepEqual(await check(attempt('fresh@example.com')), { allowed: true });
  });

  it('an unknown client address ("") is not one client: failures there block nobody else', async () => {
    for (let i = 0; i < 10; i += 1) await fail(1, attempt(`user${i}@example.com`, ''));
    assert.deepEqual(await check(attempt('fresh@example.com', '')), { allowed: true });
    await fail(4, attempt('ada@example.com', ''));
    assert.equal(
      (await check(attempt('ada@example.com', ''))).allowed,
      false,
      'accounts still count',
    );
  });

  it('account lockout: a known device is counted on its own while the account is attacked', async () => {
    await fail(10, attempt('ada@example.com', '203.0.113.5'));
    assert.equal((await check(attempt('ada@example.com'))).allowed, false);
    const device = attempt('ada@example.com', '192.0.2.1', { deviceId: 'device-1' });
    assert.deepEqual(await check(device), { allowed: true });
  });

  it('account lockout: an address that logged in before is counted on its own', async () => {
    await tryOnce(attempt('ada@example.com', '192.0.2.50'), 'succeed');
    await fail(10, attempt('ada@example.com', '203.0.113.5'));
    assert.equal((await check(attempt('ada@example.com', '198.51.100.1'))).allowed, false);
    assert.deepEqual(await check(attempt('ada@example.com', '192.0.2.50')), { allowed: true });
  });

  it('a password change forgets known addresses (a new credential stamp)', async () => {
    await tryOnce(attempt('ada@example.com', '192.0.2.50'), 'succeed');
    await fail(10, attempt('ada@example.com', '203.0.113.5'));
    const afterChange = attempt('ada@example.com', '192.0.2.50', { credentialStamp: 'stamp-2' });
    assert.equal((await check(afterChange)).allowed, false);
  });

  it('registration makes the address known', async () => {
    await throttle.rememberAddress(attempt('ada@example.com', '192.0.2.60'));
    await fail(10, attempt('ada@example.com', '203.0.113.5'));
    assert.deepEqual(await check(attempt('ada@example.com', '192.0.2.60')), { allowed: true });
  });

  it('success forgets the account’s failures but not the address’s', async () => {
    await fail(4, attempt('ada@example.com'));
    clock.advanceSeconds(10);
    await tryOnce(attempt('ada@example.com'), 'succeed');
    await fail(1, attempt('ada@example.com'));
    assert.deepEqual(await check(attempt('ada@example.com')), { allowed: true });
    await fail(2, attempt('someone@example.com'));
    assert.equal((await check(attempt('x@example.com'))).allowed, false, '7 from one address');
  });

  it('a repeat login within a day, with nothing to forget, writes nothing', async () => {
    const store = new MemorySessionStore();
    const counted = new LoginThrottle(store, { policy, clock: clock.now });
    const writes: string[] = [];
    const deleteThrottle = store.deleteThrottle.bind(store);
    const incrementThrottle = store.incrementThrottle.bind(store);
    store.deleteThrottle = (key) => (writes.push(`delete ${key}`), deleteThrottle(key));
    store.incrementThrottle = (key, now, expiresAt) => (
      writes.push(`increment ${key}`),
      incrementThrottle(key, now, expiresAt)
    );
    const once = async (who: LoginAttempt, outcome: 'fail' | 'succeed') => {
      const verdict = await counted.check(who);
      if (!verdict.allowed) return false;
      if (outcome === 'fail') await counted.recordFailure(verdict.attempt);
      else await counted.recordSuccess(verdict.attempt);
      verdict.attempt.release();
      return true;
    };
    const succeed = async (who: LoginAttempt) => {
      assert.equal(await once(who, 'succeed'), true);
    };
    const ada = attempt('ada@example.com', '192.0.2.50');
    await succeed(ada);
    assert.equal(writes.length, 1, 'the first login makes the address known');
    clock.advanceSeconds(23 * 3_600);
    await succeed(ada);
    assert.equal(writes.length, 1, 'known since less than a day: nothing written');
    clock.advanceSeconds(3_600);
    await succeed(ada);
    assert.equal(writes.length, 2, 'known since a day: made known again');
    // Known for 30 days from that login: still counted apart from the account 29.9 days later.
    clock.advanceSeconds(29.9 * 86_400);
    for (let time = 0; time < 10; time += 1) {
      await once(attempt('ada@example.com', '203.0.113.5'), 'fail');
    }
    assert.equal(await once(attempt('ada@example.com', '198.51.100.1'), 'fail'), false);
    assert.equal(await once(ada, 'succeed'), true);

    // A known device's login too: its address is read, and written once a day at most.
    const adaDevice = attempt('ada@example.com', '192.0.2.70', { deviceId: 'device-1' });
    writes.length = 0;
    await succeed(adaDevice);
    assert.equal(writes.length, 1, 'the first login from the device makes its address known');
    assert.match(writes[0] ?? '', /^increment /);
    clock.advanceSeconds(3_600);
    await succeed(adaDevice);
    assert.equal(writes.length, 1, 'a device known since less than a day: nothing written');
    clock.advanceSeconds(23 * 3_600);
    await succeed(adaDevice);
    assert.equal(writes.length, 2, 'a device known since a day: its address made known again');
  });

  it('a check for a password change reads no known address for a device', async () => {
    const calls: string[] = [];
    const counted = new LoginThrottle(recordingCalls(new MemorySessionStore(), calls), {
      policy,
      clock: clock.now,
    });
    const device = attempt('ada@example.com', '192.0.2.80', { deviceId: 'device-1' });
    for (const options of [{}, { recordsSuccess: false }]) {
      calls.length = 0;
      const verdict = await counted.check(device, options);
      assert.ok(verdict.allowed);
      verdict.attempt.release();
      // The address and the device's counter; a login's check also the device's address.
      assert.equal(
        calls.filter((name) => name === 'findThrottle').length,
        'recordsSuccess' in options ? 2 : 3,
      );
    }
  });

  it('a success forgets its counter’s failures: the account counts from zero again', async () => {
    await fail(4, attempt('ada@example.com', '203.0.113.5'));
    clock.advanceSeconds(10);
    // From an address not known to the account: judged, and cleared, by the account counter.
    assert.deepEqual(await tryOnce(attempt('ada@example.com', '198.51.100.7'), 'succeed'), {
      allowed: true,
    });
    await fail(3, attempt('ada@example.com', '192.0.2.99'));
    assert.deepEqual(await check(attempt('ada@example.com', '192.0.2.98')), { allowed: true });
  });

  it('user enumeration by timing: an unknown email gets the same store calls', async () => {
    // The email of no account comes with credential stamp ''; a real account's with its own.
    const calls: string[] = [];
    const counted = recordingCalls(new MemorySessionStore(), calls);
    const counting = new LoginThrottle(counted, { policy, clock: clock.now });
    const sequence = async (who: LoginAttempt): Promise<string[]> => {
      calls.length = 0;
      const verdict = await counting.check(who);
      assert.ok(verdict.allowed);
      verdict.attempt.release();
      return [...calls];
    };
    const real = await sequence(attempt('ada@example.com'));
    const unknown = await sequence(
      attempt('nobody@example.com', undefined, { credentialStamp: '' }),
    );
    assert.deepEqual(unknown, real);
    assert.deepEqual(real, ['findThrottle', 'findThrottle', 'findThrottle']);
  });

  it('forgets failures after the reset period', async () => {
    await fail(10, attempt('ada@example.com'));
    clock.advanceSeconds(3_600);
    assert.deepEqual(await check(attempt('ada@example.com')), { allowed: true });
  });

  it('parallel guesses cannot outrun the counter: they are taken one at a time, in order', async () => {
    const ada = attempt('ada@example.com');
    await fail(3, ada);
    const first = await throttle.check(ada);
    assert.ok(first.allowed);
    const second = throttle.check(ada);
    await throttle.recordFailure(first.attempt);
    first.attempt.release();
    assert.deepEqual(await second, { allowed: false, retryAfterSeconds: 1, scope: 'account' });
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

  it('address pooling: IPv4 clients of a dual-stack socket are not one bucket', () => {
    // A dual-stack listener reports IPv4 clients as IPv4-mapped IPv6 addresses, all in ::/64.
    assert.equal(addressBucket('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(addressBucket('::FFFF:198.51.100.7'), '198.51.100.7');
    assert.equal(addressBucket('::ffff:c000:201'), '192.0.2.1');
    assert.equal(addressBucket('0:0:0:0:0:ffff:203.0.113.255'), '203.0.113.255');
    // Other embedded IPv4 forms are IPv6 networks of their own (NAT64 here).
    assert.equal(addressBucket('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  });
});
