import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { HashPool } from '../../src/password/hash-pool.js';
import { MemoryUserStore } from '../../src/stores/memory/index.js';

import type { Credentials } from '../../src/accounts/index.js';

const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(accounts: Accounts, credentials: Credentials): Promise<number> {
  const started = performance.now();
  const user = await accounts.authenticate(credentials);
  const elapsed = performance.now() - started;
  assert.equal(user, null);
  return elapsed;
}

/**
 * The ratio of the median times of logging in as `first` and as `second`, measured interleaved
 * so that load from other processes falls on both alike. A path that skips its Argon2id
 * verification gives a ratio near 0.001 on every attempt; up to three attempts forgive noise.
 */
async function medianRatio(
  accounts: Accounts,
  first: Credentials,
  second: Credentials,
  label: string,
): Promise<number> {
  let ratio = 0;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      firstMs.push(await timed(accounts, first));
      secondMs.push(await timed(accounts, second));
    }
    ratio = median(firstMs) / median(secondMs);
    console.log(
      `login timing, attempt ${attempt}: median of ${RUNS}: ${label} ` +
        `${median(firstMs).toFixed(2)} ms, wrong password ${median(secondMs).toFixed(2)} ms, ` +
        `ratio ${ratio.toFixed(3)}`,
    );
    if (ratio >= 0.67 && ratio <= 1.5) break;
  }
  return ratio;
}

describe('login timing', () => {
  it('user enumeration by timing: unknown email and wrong password take similar time', async () => {
    // The real default cost (OWASP, 19 MiB): the point is that the verification against the
    // stand-in hash costs what a real one does.
    const accounts = new Accounts(new MemoryUserStore());
    await accounts.register({ email: 'alice@example.com', password: 'the real password' });
    const unknown = { email: 'nobody@example.com', password: 'a guess at a password' };
    const wrong = { email: 'alice@example.com', password: 'a guess at a password' };

    // The first logins also start the hashing threads; the first unknown-email one is measured
    // and reported apart from the steady state.
    const firstUnknownMs = await timed(accounts, unknown);
    await timed(accounts, wrong);
    console.log(`login timing: first unknown-email login ${firstUnknownMs.toFixed(2)} ms`);

    const ratio = await medianRatio(accounts, unknown, wrong, 'unknown email');

    assert.ok(ratio >= 0.67 && ratio <= 1.5, `ratio ${ratio} is outside 0.67 to 1.5`);
  });

  it('user enumeration by timing: a first unknown-email login, one verification', async (t) => {
    // One Argon2id verification and no hash, from the first login of a new Accounts on: a
    // stand-in made by hashing on first use would make that login take twice as long.
    const hash = t.mock.method(HashPool.prototype, 'hash');
    const verify = t.mock.method(HashPool.prototype, 'verify');
    const cheap = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };
    const store = new MemoryUserStore();
    await new Accounts(store, { argon2id: cheap }).register({
      email: 'alice@example.com',
      password: 'the real password',
    });
    for (const email of ['nobody@example.com', 'alice@example.com']) {
      hash.mock.resetCalls();
      verify.mock.resetCalls();
      const accounts = new Accounts(store, { argon2id: cheap });
      assert.equal(await accounts.authenticate({ email, password: 'a guess' }), null);
      assert.deepEqual([hash.mock.callCount(), verify.mock.callCount()], [0, 1], email);
    }
  });

  it('disabled-account probing by timing: refusal costs a full verification', async () => {
    // The refusal comes after a full verification of the right password, so a disabled account
    // cannot be told apart from an active one with a wrong guess.
    const accounts = new Accounts(new MemoryUserStore());
    const disabled = await accounts.register({
      email: 'carol@example.com',
      password: 'pass phrase',
    });
    await accounts.register({ email: 'alice@example.com', password: 'the real password' });
    assert.equal(await accounts.disableUser(disabled.id), true);
    const right = { email: 'carol@example.com', password: 'pass phrase' };
    const wrong = { email: 'alice@example.com', password: 'a guess at a password' };
    await timed(accounts, wrong);

    const ratio = await medianRatio(accounts, right, wrong, 'disabled account, right password');

    assert.ok(ratio >= 0.67 && ratio <= 1.5, `ratio ${ratio} is outside 0.67 to 1.5`);
  });
});
