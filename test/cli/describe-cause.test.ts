import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeCause } from '../../src/cli/main.js';
import { StoreUnavailableError } from '../../src/errors.js';

describe('describeCause', () => {
  it('shows the first line of the cause, with its code when the message lacks it', () => {
    const cause = Object.assign(new Error('unable to open database file\n    at open (x.js:1)'), {
      code: 'SQLITE_CANTOPEN',
    });
    assert.equal(
      describeCause(new StoreUnavailableError('openSqliteDatabase', cause)),
      '\n  cause: unable to open database file (SQLITE_CANTOPEN)',
    );
  });

  it('masks credentials in a URL that a driver quotes in its message', () => {
    const cause = new Error('cannot reach redis://admin:hunter2@cache.internal:6379/0');
    const shown = describeCause(new StoreUnavailableError('openRedisStores', cause));
    assert.equal(shown, '\n  cause: cannot reach redis://***@cache.internal:6379/0');
    assert.doesNotMatch(shown, /hunter2/);
  });

  it('adds nothing for an error without a cause, or with an empty one', () => {
    assert.equal(describeCause(new Error('plain')), '');
    assert.equal(describeCause(new StoreUnavailableError('ping', new Error(''))), '');
    assert.equal(describeCause(new StoreUnavailableError('ping', 'not an error')), '');
  });

  it('cuts a long cause short', () => {
    const shown = describeCause(new StoreUnavailableError('open', new Error('x'.repeat(5_000))));
    assert.ok(shown.length < 320, `length ${String(shown.length)}`);
  });
});
