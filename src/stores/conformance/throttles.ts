import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MINUTE_MS, at } from './fixtures.js';
import { withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** How long each counter in these tests lives after its latest failure: 15 minutes. */
const WINDOW_MS = 15 * MINUTE_MS;

/** Failures recorded at once by the concurrency test. */
const CONCURRENT_FAILURES = 20;

/** Registers the tests of a `SessionStore`'s throttle counters. */
export function describeThrottleTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };

  void describe('throttles', () => {
    test('the first failure under a key starts a counter at one', async ({ sessions }) => {
      const state = await sessions.incrementThrottle('login:a', at(1), at(WINDOW_MS + 1));

      const expected = {
        key: 'login:a',
        failures: 1,
        lastFailureAt: at(1),
        expiresAt: at(WINDOW_MS + 1),
      };
      assert.deepEqual(state, expected);
      assert.deepEqual(await sessions.findThrottle('login:a', at(2)), expected);
    });

    test('each failure before expiry adds one and moves both times', async ({ sessions }) => {
      const counts = [];
      for (const minute of [0, 1, 2]) {
        const nowMs = minute * MINUTE_MS + 7;
        const state = await sessions.incrementThrottle('login:a', at(nowMs), at(nowMs + WINDOW_MS));
        counts.push(state.failures);
      }

      assert.deepEqual(counts, [1, 2, 3]);
      assert.deepEqual(await sessions.findThrottle('login:a', at(2 * MINUTE_MS + 7)), {
        key: 'login:a',
        failures: 3,
        lastFailureAt: at(2 * MINUTE_MS + 7),
        expiresAt: at(2 * MINUTE_MS + 7 + WINDOW_MS),
      });
    });

    test('counts each key apart', async ({ sessions }) => {
      await sessions.incrementThrottle('login:a', at(0), at(WINDOW_MS));
      await sessions.incrementThrottle('login:a', at(1), at(WINDOW_MS));

      const other = await sessions.incrementThrottle('login:b', at(2), at(WINDOW_MS));

      assert.equal(other.failures, 1);
      assert.equal((await sessions.findThrottle('login:a', at(3)))?.failures, 2);
    });

    test('a counter expired at or before now restarts at one', async ({ sessions }) => {
      await sessions.incrementThrottle('login:a', at(0), at(WINDOW_MS));
      await sessions.incrementThrottle('login:a', at(1), at(WINDOW_MS));

      const restarted = await sessions.incrementThrottle(
        'login:a',
        at(WINDOW_MS),
        at(2 * WINDOW_MS),
      );

      assert.deepEqual(restarted, {
        key: 'login:a',
        failures: 1,
        lastFailureAt: at(WINDOW_MS),
        expiresAt: at(2 * WINDOW_MS),
      });
    });

    test('find returns null for a missing counter and one expired at or before now', async ({
      sessions,
    }) => {
      await sessions.incrementThrottle('login:a', at(0), at(WINDOW_MS));

      assert.equal((await sessions.findThrottle('login:a', at(WINDOW_MS - 1)))?.failures, 1);
      assert.equal(await sessions.findThrottle('login:a', at(WINDOW_MS)), null);
      assert.equal(await sessions.findThrottle('login:a', at(2 * WINDOW_MS)), null);
      assert.equal(await sessions.findThrottle('login:missing', at(0)), null);
    });

    test('delete forgets one counter, and a missing one is no error', async ({ sessions }) => {
      await sessions.incrementThrottle('login:a', at(0), at(WINDOW_MS));
      await sessions.incrementThrottle('login:b', at(0), at(WINDOW_MS));

      await sessions.deleteThrottle('login:a');
      await sessions.deleteThrottle('login:a');

      assert.equal(await sessions.findThrottle('login:a', at(1)), null);
      assert.notEqual(await sessions.findThrottle('login:b', at(1)), null);
      const fresh = await sessions.incrementThrottle('login:a', at(2), at(WINDOW_MS));
      assert.equal(fresh.failures, 1);
    });

    test('the sweep deletes only expired counters, no more than the limit per call', async ({
      sessions,
    }) => {
      const now = at(WINDOW_MS);
      for (const n of [1, 2, 3, 4]) {
        await sessions.incrementThrottle(`login:${n}`, at(0), at(WINDOW_MS - n));
      }
      await sessions.incrementThrottle('login:at-now', at(0), now);
      await sessions.incrementThrottle('login:live', at(0), at(WINDOW_MS + 1));

      assert.equal(await sessions.deleteExpiredThrottles(now, 0), 0);
      const counts = [];
      for (let call = 0; call < 4; call += 1) {
        counts.push(await sessions.deleteExpiredThrottles(now, 2));
      }

      assert.deepEqual(counts, [2, 2, 1, 0]);
      assert.equal((await sessions.findThrottle('login:live', now))?.failures, 1);
      // The swept counter is gone, not merely hidden: a new failure starts again at one.
      const again = await sessions.incrementThrottle('login:1', at(0), at(WINDOW_MS));
      assert.equal(again.failures, 1);
    });

    test('20 concurrent failures under one key count exactly 20', async ({ sessions }) => {
      const pending = Array.from({ length: CONCURRENT_FAILURES }, (_, n) =>
        sessions.incrementThrottle('login:a', at(n), at(WINDOW_MS)),
      );

      const states = await Promise.all(pending);

      // Atomic increments hand out each count once: 1 to 20, in whatever order they landed.
      const counts = states.map((state) => state.failures).sort((a, b) => a - b);
      assert.deepEqual(
        counts,
        Array.from({ length: CONCURRENT_FAILURES }, (_, n) => n + 1),
      );
      const found = await sessions.findThrottle('login:a', at(CONCURRENT_FAILURES));
      assert.equal(found?.failures, CONCURRENT_FAILURES);
    });
  });
}
