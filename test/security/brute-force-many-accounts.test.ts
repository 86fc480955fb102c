import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { errorCode, send } from '../support/server.js';
import { PASSWORD, loginUser, registerUser, uniqueEmail } from '../support/users.js';

const WRONG = 'not the right pass phrase';
// With LATCHKEY_TRUST_PROXY=1 the loopback test client plays a proxy, and X-Forwarded-For
// says which client each request stands for (documentation ranges, RFC 5737 and RFC 3849).
const TRUST_ONE_HOP = { LATCHKEY_TRUST_PROXY: '1' };

describe('brute force spread over many accounts', () => {
  it('from one address: the address limit answers 429 whatever the account', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      throttle: { accountFreeFailures: 5, addressFreeFailures: 3 },
    });
    try {
      const real = await registerUser(server.url);
      for (let i = 0; i < 4; i += 1) {
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail('sprayed'), password: WRONG },
        });
        assert.equal(response.status, 401, `spray ${i}`);
      }
      for (const email of [uniqueEmail('sprayed'), real.email]) {
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email, password: email === real.email ? PASSWORD : WRONG },
        });
        assert.equal(response.status, 429, response.text);
        assert.equal(errorCode(response.body), 'TOO_MANY_ATTEMPTS');
        assert.equal(response.headers.get('retry-after'), '1');
      }
      const throttled = server.logs.filter((line) => line.event === 'login.throttled');
      assert.ok(throttled.length > 0 && throttled.every((line) => line.scope === 'address'));
    } finally {
      await server.close();
    }
  });

  it('from one IPv6 /64: rotating through its addresses does not escape the limit', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      env: TRUST_ONE_HOP,
      throttle: { addressFreeFailures: 3 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 6; i += 1) {
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail('v6'), password: WRONG },
          headers: { 'x-forwarded-for': `2001:db8:1:2::${i.toString(16)}` },
        });
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    } finally {
      await server.close();
    }
  });

  it('attacks on other accounts do not slow a real user’s login from another address', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      env: TRUST_ONE_HOP,
      throttle: { accountFreeFailures: 2, addressFreeFailures: 3 },
    });
    try {
      const real = await registerUser(server.url);
      const attacker = { 'x-forwarded-for': '203.0.113.66' };
      let blocked = false;
      for (let i = 0; i < 10 && !blocked; i += 1) {
        const response = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail('other'), password: WRONG },
          headers: attacker,
        });
        blocked = response.status === 429;
      }
      assert.ok(blocked, 'the attacker’s address is held up');

      const started = performance.now();
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email: real.email, password: PASSWORD },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      const elapsedMs = performance.now() - started;
      assert.equal(login.status, 200, login.text);
      assert.equal(login.headers.get('retry-after'), null);
      console.log(`real user's login during an attack elsewhere: ${elapsedMs.toFixed(1)} ms`);
    } finally {
      await server.close();
    }
  });

  it('an attacker cannot lock a real user out: a device that logged in before still gets in', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      env: TRUST_ONE_HOP,
      throttle: { accountFreeFailures: 3, addressFreeFailures: 3 },
    });
    try {
      const home = { 'x-forwarded-for': '198.51.100.7' };
      const { email } = await registerUser(server.url);
      const earlier = await loginUser(server.url, email, { headers: home });
      assert.ok(earlier.deviceCookie, 'a login sets the device cookie');

      // The attacker changes address with every guess, so only the account counter fills up.
      for (let i = 1; i <= 8; i += 1) {
        await send(server.url, 'POST', '/auth/login', {
          json: { email, password: WRONG },
          headers: { 'x-forwarded-for': `203.0.113.${i}` },
        });
      }
      const stranger = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        headers: { 'x-forwarded-for': '192.0.2.200' },
      });
      assert.equal(stranger.status, 429, 'the account is held up for browsers it does not know');

      const owner = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        cookie: earlier.deviceCookie,
        headers: home,
      });
      assert.equal(owner.status, 200, owner.text);

      const forged = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        cookie: `__Host-latchkey_device=${'A'.repeat(22)}.${'B'.repeat(43)}`,
        headers: { 'x-forwarded-for': '192.0.2.201' },
      });
      assert.equal(forged.status, 429, 'a forged device cookie is no way around the throttle');
    } finally {
      await server.close();
    }
  });
});
