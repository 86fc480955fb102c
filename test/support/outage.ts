import { setTimeout as delay } from 'node:timers/promises';

import { timed } from './store-calls.js';
import { waitUntil } from './processes.js';

import type { SessionManager } from '../../src/session/index.js';

/**
 * Waits until `probe` resolves (the store answers again), checking every 100 ms for at most
 * `seconds`. A restarted server is found again within the store's reconnect backoff.
 */
export async function waitForStore(probe: () => Promise<unknown>, seconds = 10): Promise<void> {
  await waitUntil('the store to answer again', async () => 'value' in (await timed(probe))[0], {
    attempts: seconds * 10,
    intervalMs: 100,
  });
}

/**
 * Validates `token` from `loops` concurrent loops, each making at most `maxCalls` calls and
 * stopping after `maxMs`, while `disrupt` runs once after `disruptAfterMs`. Returns how many
 * calls came to each outcome: `valid`, `null` (no session), or an error code.
 */
export async function validateUnderDisruption(
  manager: SessionManager,
  token: string,
  disrupt: () => Promise<void>,
  { loops = 8, maxCalls = 2_000, maxMs = 1_500, disruptAfterMs = 300 } = {},
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const deadline = performance.now() + maxMs;
  const loop = async (): Promise<void> => {
    for (let call = 0; call < maxCalls && performance.now() < deadline; call += 1) {
      const [outcome] = await timed(() => manager.validateSession(token));
      const label = 'code' in outcome ? outcome.code : outcome.value === null ? 'null' : 'valid';
      counts.set(label, (counts.get(label) ?? 0) + 1);
      await delay(1);
    }
  };
  const running = Array.from({ length: loops }, loop);
  await delay(disruptAfterMs);
  await disrupt();
  await Promise.all(running);
  return counts;
}
