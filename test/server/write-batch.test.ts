import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createWriteBatch } from '../../src/server/write-batch.js';

const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

const unexpected = (error: unknown): never => {
  throw new Error('no write was expected to fail', { cause: error });
};

describe('createWriteBatch', () => {
  it('writes nothing at once, then every write of the turn together, in order', async () => {
    const done: string[] = [];
    const writeSoon = createWriteBatch(unexpected);
    writeSoon(() => done.push('a'));
    // Scheduled after the batch's first write: it runs after the whole batch, so a write queued
    // later in the same turn (b, c) did not get a turn of its own.
    setImmediate(() => done.push('other'));
    writeSoon(() => done.push('b'));
    await Promise.resolve();
    writeSoon(() => done.push('c'));
    assert.deepEqual(done, []);
    await nextTurn();
    assert.deepEqual(done, ['a', 'b', 'c', 'other']);
  });

  it('puts a write queued while a batch runs into the next batch', async () => {
    const done: string[] = [];
    const writeSoon = createWriteBatch(unexpected);
    writeSoon(() => {
      done.push('a');
      writeSoon(() => done.push('late'));
    });
    setImmediate(() => done.push('other'));
    await nextTurn();
    await nextTurn();
    assert.deepEqual(done, ['a', 'other', 'late']);
  });

  it('reports a write that throws and still runs the rest of its batch', async () => {
    const done: string[] = [];
    const errors: unknown[] = [];
    const writeSoon = createWriteBatch((error) => errors.push(error));
    const refused = new TypeError('Invalid character in header content');
    writeSoon(() => done.push('a'));
    writeSoon(() => {
      throw refused;
    });
    writeSoon(() => done.push('c'));
    await nextTurn();
    assert.deepEqual(done, ['a', 'c']);
    assert.deepEqual(errors, [refused]);
    writeSoon(() => done.push('d'));
    await nextTurn();
    assert.deepEqual(done, ['a', 'c', 'd']);
  });
});
