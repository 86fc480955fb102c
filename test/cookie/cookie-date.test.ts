import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseCookieDate } from '../../src/cookie/cookie-date.js';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

void describe('parseCookieDate (RFC 6265bis section 5.1.1)', () => {
  const cases: [title: string, text: string, expected: string | undefined][] = [
    ['reads an IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', '1994-11-06T08:49:37.000Z'],
    ['reads an RFC 850 date', 'Sunday, 06-Nov-94 08:49:37 GMT', '1994-11-06T08:49:37.000Z'],
    ['reads an asctime date', 'Sun Nov  6 08:49:37 1994', '1994-11-06T08:49:37.000Z'],
    ['reads the tokens in any order', '1994 08:49:37 Nov 6', '1994-11-06T08:49:37.000Z'],
    ['reads a month case-insensitively', '06 NOVEMBER 1994 08:49:37', '1994-11-06T08:49:37.000Z'],
    ['allows a tail after the time', '06 Nov 1994 08:49:37GMT', '1994-11-06T08:49:37.000Z'],
    ['reads one-digit time fields', '06 Nov 1994 8:9:7', '1994-11-06T08:09:07.000Z'],
    ['reads two-digit years 70 to 99 as 19xx', '1 Jan 70 00:00:00', '1970-01-01T00:00:00.000Z'],
    ['reads two-digit years 0 to 69 as 20xx', '1 Jan 69 00:00:00', '2069-01-01T00:00:00.000Z'],
    ['reads 29 February of a leap year', '29 Feb 2024 00:00:00', '2024-02-29T00:00:00.000Z'],
    ['reads the year 1601', '1 Jan 1601 00:00:00', '1601-01-01T00:00:00.000Z'],
    ['fails without a time', 'Sun, 06 Nov 1994', undefined],
    ['fails without a year', 'Sun, 06 Nov 08:49:37', undefined],
    ['fails without a month', '06 1994 08:49:37', undefined],
    ['fails on a year before 1601', '1 Jan 1600 00:00:00', undefined],
    ['fails on a five-digit year', '1 Jan 20271 00:00:00', undefined],
    ['fails on 24 hours', '1 Jan 2020 24:00:00', undefined],
    ['fails on 60 minutes', '1 Jan 2020 23:60:00', undefined],
    ['fails on a leap second', '1 Jan 2020 23:59:60', undefined],
    ['fails on day 0', '0 Jan 2020 00:00:00', undefined],
    ['fails on day 32', '32 Jan 2020 00:00:00', undefined],
    ['fails on 31 April, which does not exist', '31 Apr 2020 00:00:00', undefined],
    ['fails on 29 February of a common year', '29 Feb 2021 00:00:00', undefined],
    ['takes the first short number as the day', '99 Dec 31 23:59:59', undefined],
    ['fails on an ISO 8601 timestamp, which has no month name', '2020-01-01T00:00:00Z', undefined],
    ['fails on an empty string', '', undefined],
  ];
  for (const [title, text, expected] of cases) {
    void test(title, () => {
      assert.equal(iso(parseCookieDate(text)), expected);
    });
  }
});
