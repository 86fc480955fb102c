import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeCause } from '../../src/cli/cause.js';
import { storeUrlSecrets } from '../../src/untrusted-text.js';
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

  it('a hostile store server that sends the password back does not get it printed', () => {
    const secrets = storeUrlSecrets('postgres://admin:hunter%2042@db.internal:5432/app');
    const cause = Object.assign(new Error('role rejected, you sent hunter 42'), {
      code: 'Xhunter 42',
    });
    const shown = describeCause(new StoreUnavailableError('migratePostgres', cause), secrets);
    assert.doesNotMatch(shown, /hunter/);
    assert.match(shown, /role rejected, you sent \*\*\*/);
  });

  it('reads the secrets in a store URL: password plain and encoded, password parameters', () => {
    assert.deepEqual(
      storeUrlSecrets('postgres://u:p%40ss%2Fw0rd@db/app?sslpassword=k3y%20k3y&password=s3cret'),
      ['p%40ss%2Fw0rd', 'p@ss/w0rd', 's3cret', 'k3y k3y', 'k3y%20k3y'],
    );
    assert.deepEqual(storeUrlSecrets('sqlite:data/latchkey.db'), []);
    assert.deepEqual(storeUrlSecrets('--store'), []);
  });

  it('keeps what Redis says about AUTH, and masks what it repeats of a command', () => {
    const say = (message: string) =>
      describeCause(new StoreUnavailableError('open', new Error(message)));
    assert.match(say('ERR Client sent AUTH, but no password is set'), /no password is set/);
    assert.match(
      say("ERR unknown command 'CONFIG', with args beginning with: 'SET' 'requirepass' 'S3cr'"),
      /with args beginning with: \*\*\*$/,
    );
  });

  it('masks credentials however they are spelled, and stays quick on a huge message', () => {
    const cases = [
      '{"password":"hunter2"}',
      'PGPASSWORD=hunter2',
      'db_password=hunter2',
      'GET /callback?access_token=hunter2',
      'Authorization: Bearer hunter2',
      'x_redis://u:hunter2@h',
      'password="hunter 2" refused',
    ];
    for (const message of cases) {
      const shown = describeCause(new StoreUnavailableError('open', new Error(message)));
      assert.doesNotMatch(shown, /hunter/, message);
    }
    const huge = `${'a-'.repeat(500_000)} redis://u:hunter2@h`;
    const started = performance.now();
    const shown = describeCause(new StoreUnavailableError('open', new Error(huge)));
    assert.ok(performance.now() - started < 1_000, 'masked within a second');
    assert.doesNotMatch(shown, /hunter/);
  });

  it('never throws, whatever the cause holds', () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('boom');
      },
    });
    assert.equal(describeCause(new StoreUnavailableError('open', hostile)), '');
    const odd = Object.assign(new AggregateError([]), { errors: undefined });
    assert.equal(describeCause(new StoreUnavailableError('open', odd)), '');
  });

  it('terminal escapes a server sends back are not passed to the terminal', () => {
    const hostile =
      'ERR proxy says \x1b[2J\x1b]0;owned\x07done\u202ereversed\u061c\u200b\x9b\rcarriage';
    const shown = describeCause(new StoreUnavailableError('open', new Error(hostile)));
    assert.doesNotMatch(shown.slice(1), /[\p{Cc}\p{Cf}]/u);
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
