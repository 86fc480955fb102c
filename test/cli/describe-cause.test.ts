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

  it('masks what a server repeats of an AUTH command, and every URL credential', () => {
    const cases: [string, RegExp][] = [
      [
        "ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' 'S3cr'",
        /S3cr/,
      ],
      ['cannot reach redis://admin:p@ss@cache.internal:6379', /p@ss|ss@cache/],
      ['cannot reach postgres://db.internal/app?password=hunter2&sslpassword=k3y', /hunter2|k3y/],
      ['refused: password=hunter2 for user admin', /hunter2/],
      ['refused: secret: hunter2', /hunter2/],
    ];
    for (const [message, secret] of cases) {
      const shown = describeCause(new StoreUnavailableError('open', new Error(message)));
      assert.doesNotMatch(shown, secret, message);
      assert.match(shown, /\*\*\*/, message);
    }
  });

  it('terminal escapes a server sends back are not passed to the terminal', () => {
    const hostile = 'ERR proxy says \x1b[2J\x1b]0;owned\x07done\u202ereversed\rcarriage';
    const shown = describeCause(new StoreUnavailableError('open', new Error(hostile)));
    assert.doesNotMatch(shown.slice(1), /[\p{Cc}\u202e]/u);
    assert.match(shown, /^\n {2}cause: ERR proxy says/);
  });

  it('says what an AggregateError of refused addresses holds, though its message is empty', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const cause = Object.assign(
      new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]),
      {
        code: 'ECONNREFUSED',
      },
    );
    assert.equal(
      describeCause(new StoreUnavailableError('openPostgresStores', cause)),
      '\n  cause: connect ECONNREFUSED ::1:5432',
    );
    const bare = Object.assign(new AggregateError([]), { code: 'ECONNREFUSED' });
    assert.equal(describeCause(new StoreUnavailableError('open', bare)), '\n  cause: ECONNREFUSED');
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
