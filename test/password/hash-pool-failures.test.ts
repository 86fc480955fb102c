import assert from 'node:assert/strict';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';
import { describe, it } from 'node:test';

import { HashingThreadError, HashPool } from '../../src/password/hash-pool.js';
import { hashPassword } from '../../src/password/index.js';
import { COST_A, standInArgon2 } from '../support/argon2-stand-in.js';

/** Asserts that `job` failed with a HashingThreadError whose message matches `pattern`. */
async function refusedAsThreadFailure(job: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(job, (error: unknown) => {
    assert.ok(error instanceof HashingThreadError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describe('hashing threads that die', () => {
  it('a thread that dies holding a result for its partner: the result is not lost', async () => {
    const pool = new HashPool(1, standInArgon2());
    // A time measured at this cost, so that the thread pairs the next two.
    assert.equal(await pool.verify(COST_A, 'match:30'), true);
    // The first is checked and held while its partner, of the same cost, kills the thread.
    const held = pool.verify(COST_A, 'match:30');
    const killer = pool.verify(COST_A, 'exit');
    assert.equal(await held, true, 'run again on a new thread, alone');
    await refusedAsThreadFailure(killer, /exited \(code 3\)/);
    assert.equal(await pool.verify(COST_A, 'match:1'), true, 'the pool goes on working');
  });

  it('the jobs queued behind one that kills its thread are run again, not refused', async () => {
    const pool = new HashPool(1, standInArgon2());
    const killer = pool.verify(COST_A, 'exit');
    const behind = [pool.verify(COST_A, 'match:20'), pool.verify(COST_A, 'miss:20')];
    await refusedAsThreadFailure(killer, /exited \(code 3\)/);
    assert.deepEqual(await Promise.all(behind), [true, false]);
  });

  it('threads that keep dying: later jobs run on libuv’s pool instead of failing', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const pool = new HashPool(1, standInArgon2({ dieOnLoad: true }));
    // Each job costs at most two thread starts; four deaths in a row with no result between
    // them turn the threads off.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await refusedAsThreadFailure(pool.verify(hash, 'correct horse battery staple'), /code 5/);
    }
    assert.match(String(pool.unavailable), /4 hashing threads died in a row/);
    assert.equal(pool.threads, 0);
    // Run by the library itself, on libuv's pool: the real Argon2id.
    assert.equal(await pool.verify(hash, 'correct horse battery staple'), true);
  });

  it('a thread that cannot start: a thread failure for its job, not a wrong password', async () => {
    const pool = new HashPool(1, standInArgon2());
    const real = workerThreads.Worker;
    // The constructor throws, as it does when the system refuses a new thread (EAGAIN).
    workerThreads.Worker = function refused(): never {
      throw Object.assign(new Error('Worker initialization failure: EAGAIN'), {
        code: 'ERR_WORKER_INIT_FAILED',
      });
    } as unknown as typeof real;
    syncBuiltinESMExports();
    try {
      const job = pool.verify(COST_A, 'match:1');
      await refusedAsThreadFailure(job, /could not start: ERR_WORKER_INIT_FAILED/);
    } finally {
      workerThreads.Worker = real;
      syncBuiltinESMExports();
    }
    assert.equal(await pool.verify(COST_A, 'match:1'), true, 'threads start again once they can');
  });
});
