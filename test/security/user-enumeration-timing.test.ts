import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startSecurityServer } from '../support/security-server.js';
import { send } from '../support/server.js';
import { registerUser, uniqueEmail } from '../support/users.js';

import type { TestServer } from '../support/server.js';

const RUNS = 25;
const ATTEMPTS = 3;
const MAX_RATIO = 1.2;
const GUESS = 'a guess at the pass phrase';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('user enumeration by timing', () => {
  let server: TestServer;
  let address = 0;
  // Each login comes from its own address (the RFC 2544 benchmarking range 198.18.0.0/15)
  // and, for wrong passwords, to its own account: no throttle counter ever fills, so every
  // attempt does the full work under the server's default policy.
  const nextAddress = () => {
    address += 1;
    return `198.18.${Math.floor(address / 256)}.${address % 256}`;
  };

  const fromNextAddress = () => ({ headers: { 'x-forwarded-for': nextAddress() } });

  before(async () => {
    server = await startSecurityServer({ env: { LATCHKEY_TRUST_PROXY: '1' } });
  });
  after(async () => {
    await server.close();
  });

  const timedLogin = async (email: string): Promise<number> => {
    const started = performance.now();
    const response = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: GUESS },
      headers: { 'x-forwarded-for': nextAddress() },
    });
    const elapsedMs = performance.now() - started;
    assert.equal(response.status, 401, response.text);
    return elapsedMs;
  };

  it('an unknown email and a wrong password take the same time: median ratio under 1.2', async () => {
    // Warm-up: the first requests start the hashing threads, open connections and compile code
    // paths.
    for (let i = 0; i < 3; i += 1) {
      await timedLogin(uniqueEmail('warm'));
      await timedLogin((await registerUser(server.url, uniqueEmail(), fromNextAddress())).email);
    }

    let ratio = Number.POSITIVE_INFINITY;
    for (let attempt = 1; attempt <= ATTEMPTS && ratio >= MAX_RATIO; attempt += 1) {
      const accounts: string[] = [];
      for (let i = 0; i < RUNS; i += 1)
        accounts.push((await registerUser(server.url, uniqueEmail(), fromNextAddress())).email);
      const unknownMs: number[] = [];
      const wrongMs: number[] = [];
      for (const email of accounts) {
        unknownMs.push(await timedLogin(uniqueEmail('nobody')));
        wrongMs.push(await timedLogin(email));
      }
      const unknown = median(unknownMs);
      const wrong = median(wrongMs);
      ratio = Math.max(unknown, wrong) / Math.min(unknown, wrong);
      console.log(
        `login timing over HTTP, attempt ${attempt}: medians of ${RUNS} alternating logins: ` +
          `unknown email ${unknown.toFixed(2)} ms, wrong password ${wrong.toFixed(2)} ms, ` +
          `ratio (larger/smaller) ${ratio.toFixed(3)}`,
      );
    }
    assert.ok(ratio < MAX_RATIO, `ratio ${ratio.toFixed(3)} is not under ${MAX_RATIO}`);
  });
});
