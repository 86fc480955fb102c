import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { send } from '../support/server.js';
import { registerUser, uniqueEmail } from '../support/users.js';

import type { TestResponse } from '../support/server.js';

const GUESS = 'a guess at the pass phrase';

/** What a client can see of a response, minus the date. */
function visible(response: TestResponse): unknown {
  const headers = [...response.headers].filter(([name]) => name !== 'date');
  return { status: response.status, headers, body: response.text };
}

describe('user enumeration by message', () => {
  it('an unknown email and a wrong password get byte-identical answers, JSON and form', async () => {
    const server = await startSecurityServer();
    try {
      const { email } = await registerUser(server.url);
      for (const kind of ['json', 'form'] as const) {
        const attempt = (target: string) =>
          send(
            server.url,
            'POST',
            '/auth/login',
            kind === 'json'
              ? { json: { email: target, password: GUESS } }
              : { form: { email: target, password: GUESS } },
          );
        const wrong = await attempt(email);
        const unknown = await attempt(uniqueEmail('nobody'));
        assert.equal(wrong.status, 401, wrong.text);
        assert.deepEqual(visible(unknown), visible(wrong), kind);
        assert.deepEqual(wrong.setCookies, []);
      }
    } finally {
      await server.close();
    }
  });

  it('while throttled, an unknown email and a real one still get the same answer', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      throttle: { accountFreeFailures: 2, addressFreeFailures: 1_000 },
    });
    try {
      const { email } = await registerUser(server.url);
      const unknownEmail = uniqueEmail('nobody');
      const answers: Record<string, TestResponse[]> = { real: [], unknown: [] };
      for (let i = 0; i < 5; i += 1) {
        for (const [label, target] of [
          ['real', email],
          ['unknown', unknownEmail],
        ] as const) {
          answers[label]?.push(
            await send(server.url, 'POST', '/auth/login', {
              json: { email: target, password: GUESS },
            }),
          );
        }
      }
      const real = answers.real ?? [];
      const unknown = answers.unknown ?? [];
      assert.deepEqual(
        real.map((response) => response.status),
        [401, 401, 401, 429, 429],
      );
      assert.deepEqual(unknown.map(visible), real.map(visible));
    } finally {
      await server.close();
    }
  });

  it('the logs say a login failed without naming the email tried', async () => {
    const server = await startSecurityServer();
    try {
      const tried = uniqueEmail('secret-address');
      await send(server.url, 'POST', '/auth/login', { json: { email: tried, password: GUESS } });
      assert.ok(server.logs.some((line) => line.event === 'login.failed'));
      assert.equal(server.rawLog().includes(tried), false);
      assert.equal(server.rawLog().includes(GUESS), false);
    } finally {
      await server.close();
    }
  });
});
