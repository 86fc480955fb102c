import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isoTime, publicSession, publicUser } from '../../src/http/present.js';

describe('isoTime', () => {
  it('writes what toISOString writes, for ordinary, early and far-off times', () => {
    const times = [
      0,
      1,
      -1,
      Date.UTC(2026, 11, 5, 9, 27, 23, 410),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(-1, 0, 1),
      Date.UTC(10_000, 0, 1),
      8.64e15,
      -8.64e15,
    ];
    // Twice each: once formatted, once remembered.
    for (const ms of [...times, ...times]) {
      assert.equal(isoTime(new Date(ms)), new Date(ms).toISOString());
    }
  });

  it('follows a date changed in place, never the text it had before', () => {
    const date = new Date(Date.UTC(2026, 0, 1));
    assert.equal(isoTime(date), '2026-01-01T00:00:00.000Z');
    date.setTime(Date.UTC(2027, 5, 6, 7, 8, 9, 10));
    assert.equal(isoTime(date), '2027-06-06T07:08:09.010Z');
  });

  it('throws for an invalid date, as toISOString does, however often asked', () => {
    for (let round = 0; round < 2; round += 1) {
      assert.throws(() => isoTime(new Date(Number.NaN)), RangeError);
    }
  });

  it('stays right past the number of times it remembers', () => {
    const start = Date.UTC(2026, 0, 1);
    for (let index = 0; index < 3_000; index += 1) {
      const ms = start + index * 1_001;
      assert.equal(isoTime(new Date(ms)), new Date(ms).toISOString());
    }
    assert.equal(isoTime(new Date(start)), new Date(start).toISOString());
  });
});

describe('publicUser and publicSession', () => {
  it('show times as toISOString writes them', () => {
    const createdAt = new Date(Date.UTC(2026, 1, 2, 3, 4, 5, 6));
    const user = { id: 'u1', email: 'a@example.com', createdAt, disabledAt: null };
    assert.deepEqual(publicUser(user), {
      id: 'u1',
      email: 'a@example.com',
      createdAt: '2026-02-02T03:04:05.006Z',
    });
    const session = {
      id: 's1',
      userId: 'u1',
      createdAt,
      lastSeenAt: new Date(Date.UTC(2026, 1, 2, 4, 0, 0, 0)),
      expiresAt: new Date(Date.UTC(2026, 1, 3, 4, 0, 0, 0)),
      absoluteExpiresAt: new Date(Date.UTC(2026, 2, 4, 3, 4, 5, 6)),
      userAgent: null,
      binding: null,
    };
    const shown = publicSession(session);
    assert.equal(shown.createdAt, '2026-02-02T03:04:05.006Z');
    assert.equal(shown.lastSeenAt, '2026-02-02T04:00:00.000Z');
    assert.equal(shown.expiresAt, '2026-02-03T04:00:00.000Z');
    assert.equal(shown.absoluteExpiresAt, '2026-03-04T03:04:05.006Z');
  });
});
