import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { OWASP_ARGON2ID_PARAMETERS, hashPassword } from '../../src/password/index.js';

import type { Argon2idParameters } from '../../src/password/index.js';

interface Probe {
  stop(): { maxGapMs: number; ticks: number };
}

/** Watches the event loop with a 1 ms timer and records the longest wait between two ticks. */
function watchEventLoop(): Probe {
  let last = performance.now();
  let maxGapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks += 1;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      // The wait since the last tick counts too: a loop blocked to the end never ticked at all.
      return { maxGapMs: Math.max(maxGapMs, performance.now() - last), ticks };
    },
  };
}

interface Measurement {
  /** A hash's own duration while the four ran: the shortest of the four. Unit: ms. */
  concurrentHashMs: number;
  /** One hash alone, just before. Unit: ms. */
  aloneHashMs: number;
  maxGapMs: number;
  ticks: number;
}

async function measure(parameters: Argon2idParameters): Promise<Measurement> {
  await hashPassword('warm up', parameters);
  const started = performance.now();
  await hashPassword('one alone', parameters);
  const aloneHashMs = performance.now() - started;

  const probe = watchEventLoop();
  const durations = await Promise.all(
    [1, 2, 3, 4].map(async (n) => {
      const start = performance.now();
      await hashPassword(`concurrent ${n}`, parameters);
      return performance.now() - start;
    }),
  );
  return { concurrentHashMs: Math.min(...durations), aloneHashMs, ...probe.stop() };
}

function describeMeasurement(label: string, m: Measurement): string {
  return (
    `${label}: one hash ${m.aloneHashMs.toFixed(1)} ms alone, ` +
    `${m.concurrentHashMs.toFixed(1)} ms among 4; max gap ${m.maxGapMs.toFixed(1)} ms, ` +
    `${m.ticks} ticks`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('hashing and the event loop', () => {
  it('hashing does not block the event loop: a timer keeps ticking during 4 concurrent hashes', async () => {
    // A longer hash than the default (16 passes instead of 2) widens the margin between
    // scheduling noise and one hash; where the work runs does not depend on the cost. The gap is
    // compared with a hash timed in the same window, so a machine busy with other work slows
    // both. A blocking hash stalls the loop for at least one whole hash on every attempt; a
    // second or third attempt only forgives a preemption by another process.
    const slow = { ...OWASP_ARGON2ID_PARAMETERS, timeCost: 16 };
    const attempts: Measurement[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const m = await measure(slow);
      attempts.push(m);
      console.log(describeMeasurement(`event loop, t=16, attempt ${attempt + 1}`, m));
      if (m.ticks >= 4 && m.maxGapMs < m.concurrentHashMs / 2) break;
    }
    console.log(
      describeMeasurement('event loop, OWASP t=2', await measure(OWASP_ARGON2ID_PARAMETERS)),
    );

    const last = attempts.at(-1)!;
    assert.ok(last.ticks >= 4, `the timer ticked only ${last.ticks} times`);
    assert.ok(
      last.maxGapMs < last.concurrentHashMs / 2,
      `the event loop stalled for ${last.maxGapMs} ms; a hash took ${last.concurrentHashMs} ms`,
    );
  });

  it('the probe notices a synchronous block of one hash duration (control)', async () => {
    const probe = watchEventLoop();
    await sleep(5);
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // Busy-wait: what a synchronous hash would do to the event loop.
    }
    await sleep(5);
    const { maxGapMs } = probe.stop();
    assert.ok(maxGapMs >= 40, `the probe saw only ${maxGapMs} ms`);
  });
});
