import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { HashPool } from '../../src/password/hash-pool.js';
import { hashPassword, verifyPassword } from '../../src/password/index.js';
import { COST_A, COST_B, standInArgon2 } from '../support/argon2-stand-in.js';

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 };

/** The nice value of every thread of this process, by thread id (Linux only). */
function threadNiceValues(): Map<string, number> {
  return new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may hold spaces).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [tid, Number(fields[16])];
    }),
  );
}

/** Whether `next` had settled by the time `first` did: both answered in one message. */
function settledWith(first: Promise<unknown>, next: Promise<unknown>): Promise<boolean> {
  const settled = (): boolean => !inspect(next).includes('<pending>');
  return first.then(settled, settled);
}

const NOT_CANONICAL =
  '$argon2id$v=19$m=19456,t=2,p=1$ZwHEBBF4MQgIztKXI3ySrB' +
  '$Vu5pD4ehC+G8Wf9lMESfNqM9CKC0ZyCJSWYMX4BCRYc';

describe('the hashing threads', () => {
  it('hash and verify off the event loop, with the same results as before', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(hash, 'wrong horse battery staple'), false);
  });

  it(
    'login storm: never more hashing threads than CPUs, each below the event loop in priority',
    { skip: process.platform !== 'linux' },
    async () => {
      const pool = new HashPool(2);
      const before = threadNiceValues();
      // Eight at once, as a burst of logins would ask.
      const hashes = await Promise.all(
        Array.from({ length: 8 }, (_, index) => pool.hash(`password ${index}`, OPTIONS)),
      );
      assert.equal(new Set(hashes).size, 8);
      const after = threadNiceValues();
      const started = [...after].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      const lowered = started.filter((nice) => nice === 19).length;
      assert.equal(lowered, 2, 'two hashing threads, both at nice 19');
      for (const [tid, nice] of before) {
        // Only the new threads were lowered: the event loop, libuv's and V8's threads keep theirs.
        if (after.has(tid)) assert.equal(after.get(tid), nice, `thread ${tid}`);
      }
      assert.equal(after.get(String(process.pid)), 0, 'the event loop keeps its priority');
    },
  );

  it('an idle thread exits after the idle time, and the next hash starts one again', async () => {
    const pool = new HashPool(2, undefined, { idleExitMs: 200 });
    assert.equal(pool.threads, 0, 'threads start on first use');
    const hash = await pool.hash('first', OPTIONS);
    assert.equal(pool.threads, 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(pool.threads, 0, 'the idle thread has gone');
    assert.equal(await pool.verify(hash, 'first'), true);
    assert.equal(pool.threads, 1);
  });

  it('a thread kept busy does not exit, however long the work goes on', async () => {
    const pool = new HashPool(1, undefined, { idleExitMs: 50 });
    const started = Date.now();
    let hashes = 0;
    // Jobs back to back, each posted while the thread is still working on the one before.
    let next = pool.hash('busy 0', OPTIONS);
    while (Date.now() - started < 400) {
      const following = pool.hash(`busy ${String(hashes + 1)}`, OPTIONS);
      await next;
      next = following;
      hashes += 1;
      assert.equal(pool.threads, 1);
    }
    await next;
    assert.ok(hashes > 1, `only ${String(hashes)} hashes`);
  });

  it('login storm: a job and the next one waiting are answered together, never three', async () => {
    const pool = new HashPool(1);
    const hash = await pool.hash('storm', OPTIONS);
    // Three at once on one thread: the second waits in its queue while the first is hashed.
    const jobs = [
      pool.verify(hash, 'storm'),
      pool.verify(hash, 'wrong'),
      pool.verify(hash, 'storm'),
    ];
    const seen = await jobs[0]!.then(() => jobs.map((job) => inspect(job).includes('<pending>')));
    assert.deepEqual(seen, [false, false, true], 'the first two settled together, the third later');
    assert.deepEqual(await Promise.all(jobs), [true, false, true]);
  });

  it('a job answered with its partner fails or succeeds on its own', async () => {
    const pool = new HashPool(1);
    const hash = await pool.hash('partner', OPTIONS);
    // Well formed, of the same cost, but its salt is not canonical base64: the library refuses it.
    const broken = pool.verify(NOT_CANONICAL, 'partner');
    const sound = pool.verify(hash, 'partner');
    assert.equal(await settledWith(broken, sound), true, 'answered with the failed one');
    await assert.rejects(broken);
    assert.equal(await sound, true);
  });

  it('a lone job is answered as soon as it is hashed, not held for a partner', async () => {
    const pool = new HashPool(1);
    const hash = await pool.hash('alone', OPTIONS);
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise((resolve) => {
      timer = setTimeout(resolve, 10_000, 'held');
    });
    try {
      assert.equal(await Promise.race([pool.verify(hash, 'alone'), held]), true);
    } finally {
      clearTimeout(timer);
    }
  });

  it('never paired: a thread’s first hash at a cost, and hashes dearer than 50 ms', async () => {
    // The first may have been a starved one, with no time of the thread's own to compare; for a
    // dear hash, the wait for a partner would outweigh what the event loop saves.
    for (const { measuredBefore, ms } of [
      { measuredBefore: false, ms: 20 },
      { measuredBefore: true, ms: 60 },
    ]) {
      const pool = new HashPool(1, standInArgon2());
      if (measuredBefore) await pool.verify(COST_A, `match:${String(ms)}`);
      const first = pool.verify(COST_A, `match:${String(ms)}`);
      const next = pool.verify(COST_A, `match:${String(ms)}`);
      assert.equal(await settledWith(first, next), false, `${String(ms)} ms`);
      assert.equal(await next, true);
    }
  });

  it('hashes of another cost, or after a slow hash, are answered one by one', async () => {
    const pool = new HashPool(1, standInArgon2());
    await pool.verify(COST_A, 'match:20');
    // Another cost waits behind the first: the first is answered without it.
    const first = pool.verify(COST_A, 'match:20');
    const otherCost = pool.verify(COST_B, 'match:20');
    assert.equal(await settledWith(first, otherCost), false, 'not paired across costs');
    await otherCost;
    // A hash fifteen times slower than this thread's fastest at that cost (a thread starved of
    // CPU): its answer is not held for the next one.
    const slow = pool.verify(COST_A, 'match:300');
    const next = pool.verify(COST_A, 'match:20');
    assert.equal(await settledWith(slow, next), false, 'not paired after a slow hash');
    assert.equal(await next, true);
  });

  it('a hash the library refused at once does not stop later ones from pairing', async () => {
    const pool = new HashPool(1, standInArgon2());
    await assert.rejects(pool.verify(COST_A, 'refuse'), /Decoding failed/);
    // A thread pairs only against a time it measured before: this one measures it.
    await pool.verify(COST_A, 'match:20');
    const jobs = [pool.verify(COST_A, 'match:20'), pool.verify(COST_A, 'miss:20')];
    assert.equal(await settledWith(jobs[0]!, jobs[1]!), true, 'answered together');
    assert.deepEqual(await Promise.all(jobs), [true, false]);
  });

  it('the default pool has one thread per CPU', () => {
    assert.equal(new HashPool().size, availableParallelism());
  });

  it('a malformed hash is a failed verification, and the pool goes on working', async () => {
    const pool = new HashPool(1);
    await assert.rejects(pool.verify('$argon2id$v=19$m=19456,t=2,p=1$bad$bad', 'x'));
    const hash = await pool.hash('still works', OPTIONS);
    assert.equal(await pool.verify(hash, 'still works'), true);
  });

  it('where a bundler hides the Argon2 module, hashing falls back to the library on its own', async () => {
    const hidden = new HashPool(2, null);
    assert.notEqual(hidden.unavailable, null);
    const hash = await hidden.hash('correct horse battery staple', OPTIONS);
    assert.equal(await hidden.verify(hash, 'correct horse battery staple'), true);

    // A path the threads cannot load: the jobs they took run on the library's own pool.
    const broken = new HashPool(2, '/nonexistent/argon2.node.js');
    assert.equal(broken.unavailable, null);
    const results = await Promise.all([
      broken.verify(hash, 'correct horse battery staple'),
      broken.verify(hash, 'wrong'),
    ]);
    assert.deepEqual(results, [true, false]);
    assert.match(String(broken.unavailable), /Cannot find module/);
    assert.equal(await broken.verify(hash, 'correct horse battery staple'), true);
  });

  it('idle hashing threads do not keep a process alive (a CLI command ends when done)', () => {
    const script = `
      import { hashPassword } from './src/password/index.ts';
      await hashPassword('correct horse battery staple');
      console.log('done');
    `;
    const started = Date.now();
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(output.trim(), 'done');
    assert.ok(Date.now() - started < 30_000);
  });
});
