import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { errorCode, send } from '../support/server.js';
import { PASSWORD, registerUser, uniqueEmail } from '../support/users.js';

import type { ThrottlePolicy } from '../../src/throttle/index.js';
import type { TestResponse, TestServer } from '../support/server.js';

const WRONG = 'not the right pass phrase';
// With LATCHKEY_TRUST_PROXY=1 the loopback test client plays a proxy, and X-Forwarded-For
// says which client each request stands for (documentation ranges, RFC 5737).
const TRUST_ONE_HOP = { LATCHKEY_TRUST_PROXY: '1' };
const from = (address: string) => ({ 'x-forwarded-for': address });

async function register(url: string, email: string, address: string): Promise<TestResponse> {
  return send(url, 'POST', '/auth/register', {
    json: { email, password: PASSWORD },
    headers: from(address),
  });
}

/** A server that trusts one proxy hop, on a clock of the test's, for `run`; closed after. */
async function withServer(
  throttle: Partial<ThrottlePolicy>,
  run: (server: TestServer, clock: ManualClock) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(Date.now());
  const server = await startSecurityServer({ env: TRUST_ONE_HOP, clock: clock.now, throttle });
  try {
    await run(server, clock);
  } finally {
    await server.close();
  }
}

describe('registration abuse', () => {
  it('email enumeration by registration: an address refused logins is refused too', async () => {
    await withServer({ addressFreeFailures: 2 }, async (server) => {
      const known = await registerUser(server.url, uniqueEmail('known'), {
        headers: from('198.51.100.1'),
      });
      for (let i = 0; i < 3; i += 1) {
        const login = await send(server.url, 'POST', '/auth/login', {
          json: { email: uniqueEmail('sprayed'), password: WRONG },
          headers: from('203.0.113.7'),
        });
        assert.equal(login.status, 401, `spray ${String(i)}`);
      }
      // The address that sprayed logins cannot ask registration which emails exist instead.
      const probe = await register(server.url, known.email, '203.0.113.7');
      assert.equal(probe.status, 429, probe.text);
      assert.equal(errorCode(probe.body), 'TOO_MANY_ATTEMPTS');
      assert.equal(probe.headers.get('retry-after'), '1');
      assert.ok(server.logs.some((line) => line.event === 'register.throttled'));
      // Another address is not held up.
      assert.equal((await register(server.url, known.email, '203.0.113.8')).status, 409);
    });
  });

  it('email enumeration by registration: each "taken" counts as an address failure', async () => {
    await withServer({ addressFreeFailures: 2 }, async (server) => {
      const emails: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const held = await registerUser(server.url, uniqueEmail('taken'), {
          headers: from(`198.51.100.${String(i + 1)}`),
        });
        emails.push(held.email);
      }
      const answers: number[] = [];
      for (const email of emails)
        answers.push((await register(server.url, email, '203.0.113.9')).status);
      assert.deepEqual(answers, [409, 409, 409, 429], 'two free failures, then a wait');
      // The same count holds the address's logins.
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email: uniqueEmail('next'), password: WRONG },
        headers: from('203.0.113.9'),
      });
      assert.equal(login.status, 429, login.text);
    });
  });

  it('account flooding: one address registers the free accounts, then waits', async () => {
    await withServer(
      { registrationFreeAttempts: 3, maxDelaySeconds: 60 },
      async (server, clock) => {
        const answers: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          answers.push((await register(server.url, uniqueEmail('flood'), '203.0.113.10')).status);
        }
        assert.deepEqual(
          answers,
          [201, 201, 201, 201, 429],
          'three free, the fourth waits 1 s first',
        );
        clock.advanceSeconds(1);
        assert.equal(
          (await register(server.url, uniqueEmail('flood'), '203.0.113.10')).status,
          201,
        );
        const waited = await register(server.url, uniqueEmail('flood'), '203.0.113.10');
        assert.equal(waited.status, 429);
        assert.equal(waited.headers.get('retry-after'), '2', 'the wait doubles');
        // Another address registers at once.
        assert.equal(
          (await register(server.url, uniqueEmail('other'), '203.0.113.11')).status,
          201,
        );
      },
    );
  });

  it('account flooding in parallel: a burst from one address is counted in turn', async () => {
    await withServer({ registrationFreeAttempts: 2 }, async (server) => {
      const burst = await Promise.all(
        Array.from({ length: 8 }, () => register(server.url, uniqueEmail('burst'), '203.0.113.12')),
      );
      const created = burst.filter((response) => response.status === 201).length;
      assert.equal(created, 3, 'two free and the one that sets the first wait');
      assert.ok(burst.every((response) => [201, 429].includes(response.status)));
    });
  });
});
