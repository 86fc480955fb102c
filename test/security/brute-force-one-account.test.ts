import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { errorCode, send } from '../support/server.js';
import { PASSWORD, registerUser } from '../support/users.js';

import type { TestResponse } from '../support/server.js';

const WRONG = 'not the right pass phrase';

/** The integer seconds of a 429's Retry-After, checked to be a plain non-negative integer. */
function retryAfter(response: TestResponse): number {
  assert.equal(response.status, 429, response.text);
  assert.equal(errorCode(response.body), 'TOO_MANY_ATTEMPTS');
  assert.deepEqual(response.setCookies, []);
  const header = response.headers.get('retry-after') ?? '';
  assert.match(header, /^\d+$/, 'Retry-After is delay-seconds (RFC 9110 section 10.2.3)');
  return Number(header);
}

describe('brute force on one account', () => {
  it('after the free failures: 429 with a Retry-After that grows, even for the right password', async () => {
    const clock = new ManualClock(Date.now());
    // The address limit is raised so that only the account's counter is at work here.
    const server = await startSecurityServer({
      clock: clock.now,
      throttle: { accountFreeFailures: 5, addressFreeFailures: 1_000, baseDelaySeconds: 1 },
    });
    try {
      const { email } = await registerUser(server.url);
      const guess = (password: string) =>
        send(server.url, 'POST', '/auth/login', { json: { email, password } });

      for (let i = 1; i <= 6; i += 1) {
        assert.equal((await guess(WRONG)).status, 401, `free failure ${i}`);
      }
      assert.equal(retryAfter(await guess(WRONG)), 1);
      assert.equal(retryAfter(await guess(PASSWORD)), 1, 'the right password waits too');

      const waits: number[] = [1];
      for (let round = 0; round < 4; round += 1) {
        clock.advanceSeconds(waits.at(-1) ?? 0);
        assert.equal((await guess(WRONG)).status, 401, `guess after waiting, round ${round}`);
        waits.push(retryAfter(await guess(PASSWORD)));
      }
      assert.deepEqual(waits, [1, 2, 4, 8, 16], 'the wait doubles with each failure');

      clock.advanceSeconds(10);
      assert.equal(retryAfter(await guess(PASSWORD)), 6, 'Retry-After counts down');
      clock.advanceSeconds(6);
      assert.equal((await guess(PASSWORD)).status, 200, 'the owner gets in once it has passed');
      assert.equal((await guess(WRONG)).status, 401, 'a success forgets the failures');
      const throttled = server.logs.filter((line) => line.event === 'login.throttled');
      assert.ok(throttled.length >= 6);
      // Registered from the same address, so the account is counted at that known address.
      assert.ok(throttled.every((line) => line.scope === 'known-address' && line.level === 'warn'));
    } finally {
      await server.close();
    }
  });

  it('an attacker cannot lock a real user out for good: the wait is capped', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      throttle: { accountFreeFailures: 2, addressFreeFailures: 1_000, maxDelaySeconds: 60 },
    });
    try {
      const { email } = await registerUser(server.url);
      const guess = (password: string) =>
        send(server.url, 'POST', '/auth/login', { json: { email, password } });
      let wait = 0;
      for (let round = 0; round < 12; round += 1) {
        clock.advanceSeconds(wait);
        const response = await guess(WRONG);
        assert.equal(response.status, 401, `round ${round}`);
        const next = await guess(WRONG);
        wait = next.status === 429 ? retryAfter(next) : 0;
        assert.ok(wait <= 60, `wait ${wait} is above the cap`);
      }
      assert.equal(wait, 60);
      clock.advanceSeconds(60);
      assert.equal((await guess(PASSWORD)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('parallel guesses cannot outrun the throttle', async () => {
    // Each attempt is checked before its password is hashed and counted after, so a burst of
    // concurrent guesses could all pass the check before the first failure is recorded.
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      throttle: { accountFreeFailures: 5, addressFreeFailures: 1_000 },
    });
    try {
      const { email } = await registerUser(server.url);
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send(server.url, 'POST', '/auth/login', {
            json: { email, password: `${WRONG} ${i}` },
          }),
        ),
      );
      const verified = burst.filter((response) => response.status === 401).length;
      const refused = burst.filter((response) => response.status === 429).length;
      console.log(`parallel guesses: ${verified} verified, ${refused} refused of 30`);
      assert.equal(verified + refused, 30);
      assert.ok(verified <= 6, `${verified} guesses were verified; at most 6 may be`);
    } finally {
      await server.close();
    }
  });
});
