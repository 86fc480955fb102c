import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BUSY_TURN_ANSWERS, createWriteBatch } from '../../src/server/write-batch.js';

const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

/** A batch whose previous turn was busy: the current turn queues. */
async function busyBatch(): Promise<(write: () => void) => void> {
  const writeSoon = createWriteBatch();
  for (let index = 0; index < BUSY_TURN_ANSWERS; index += 1) writeSoon(() => undefined);
  await nextTurn();
  return writeSoon;
}

describe('createWriteBatch', () => {
  it('writes at once while turns are quiet', async () => {
    const done: string[] = [];
    const writeSoon = createWriteBatch();
    writeSoon(() => done.push('a'));
    assert.deepEqual(done, ['a']);
    await nextTurn();
    for (let index = 1; index < BUSY_TURN_ANSWERS; index += 1) {
      writeSoon(() => done.push(`b${String(index)}`));
    }
    await nextTurn();
    // The turn before had fewer than BUSY_TURN_ANSWERS answers: still at once.
    writeSoon(() => done.push('c'));
    assert.equal(done.at(-1), 'c');
  });

  it('after a busy turn, writes the next turn together, in order, after its I/O', async () => {
    const done: string[] = [];
    const writeSoon = await busyBatch();
    writeSoon(() => done.push('a'));
    // Scheduled after the batch's first write: it runs after the whole batch, so a write queued
    // later in the same turn (b, c) did not get a turn of its own.
    setImmediate(() => done.push('other'));
    writeSoon(() => done.push('b'));
    await Promise.resolve();
    writeSoon(() => done.push('c'));
    assert.equal(done.length, 0);
    await nextTurn();
    assert.deepEqual(done, ['a', 'b', 'c', 'other']);
  });

  it('goes back to writing at once after a quiet turn', async () => {
    const done: string[] = [];
    const writeSoon = await busyBatch();
    writeSoon(() => done.push('queued'));
    assert.equal(done.length, 0);
    await nextTurn();
    assert.deepEqual(done, ['queued']);
    writeSoon(() => done.push('at once'));
    assert.deepEqual(done, ['queued', 'at once']);
  });

  it('puts a write queued while a batch runs into the next turn', async () => {
    const done: string[] = [];
    const writeSoon = await busyBatch();
    for (let index = 0; index < BUSY_TURN_ANSWERS; index += 1) {
      writeSoon(() => {
        done.push(`a${String(index)}`);
        if (index === 0) writeSoon(() => done.push('late'));
      });
    }
    setImmediate(() => done.push('other'));
    await nextTurn();
    await nextTurn();
    assert.deepEqual(done.slice(-2), ['other', 'late']);
  });

  it('runs the rest of the batch past a write that throws, then throws its error', () => {
    // The end of each turn is run by hand here: thrown from a real setImmediate, the error would
    // be the test runner's uncaught exception.
    const turnEnds: (() => void)[] = [];
    const realSetImmediate = globalThis.setImmediate;
    globalThis.setImmediate = ((callback: () => void) => {
      turnEnds.push(callback);
    }) as typeof setImmediate;
    try {
      const done: string[] = [];
      const writeSoon = createWriteBatch();
      for (let index = 0; index < BUSY_TURN_ANSWERS; index += 1) writeSoon(() => undefined);
      turnEnds.shift()?.();
      const refused = new TypeError('Invalid character in header content');
      writeSoon(() => done.push('a'));
      writeSoon(() => {
        throw refused;
      });
      writeSoon(() => {
        throw new Error('a later failure');
      });
      writeSoon(() => done.push('d'));
      assert.equal(done.length, 0);
      const endTurn = turnEnds.shift();
      assert.ok(endTurn);
      assert.throws(endTurn, refused);
      assert.deepEqual(done, ['a', 'd']);
    } finally {
      globalThis.setImmediate = realSetImmediate;
    }
  });
});
