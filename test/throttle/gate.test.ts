import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { KeyedGate } from '../../src/throttle/gate.js';

describe('KeyedGate', () => {
  const options = { limit: 1, maxWaiting: 2, timeoutMs: 200 };

  it('lets holders through one at a time, in arrival order', async () => {
    const gate = new KeyedGate();
    const order: string[] = [];
    const first = await gate.acquire('k', options);
    assert.ok(first);
    const second = gate.acquire('k', options).then((release) => {
      order.push('second');
      return release;
    });
    const third = gate.acquire('k', options).then((release) => {
      order.push('third');
      return release;
    });
    first();
    (await second)?.();
    (await third)?.();
    assert.deepEqual(order, ['second', 'third']);
  });

  it('refuses when too many wait, and gives up after the timeout', async () => {
    const gate = new KeyedGate();
    const holder = await gate.acquire('k', options);
    const waiting = [gate.acquire('k', options), gate.acquire('k', options)];
    assert.equal(await gate.acquire('k', options), null, 'queue full');
    const started = Date.now();
    assert.deepEqual(await Promise.all(waiting), [null, null]);
    assert.ok(Date.now() - started >= 150);
    holder?.();
  });

  it('keys are independent', async () => {
    const gate = new KeyedGate();
    const a = await gate.acquire('a', options);
    const b = await gate.acquire('b', options);
    assert.ok(a && b);
    a();
    b();
  });
});
