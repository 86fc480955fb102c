import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { getCookieValues, parseCookieHeader } from '../../src/cookie/index.js';

const headerChar = fc.oneof(
  fc.constantFrom(';', '=', ' ', '\t', 'a', 'b', 'ab', 'sid'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const header = fc.string({ unit: headerChar, maxLength: 60 });
const name = fc.oneof(
  fc.constantFrom('a', 'b', 'ab', 'sid', '', 'a b', 'a='),
  fc.string({ maxLength: 3 }),
);

void describe('getCookieValues', () => {
  const cases: [
    title: string,
    header: string | readonly string[],
    name: string,
    expected: string[],
  ][] = [
    ['finds the one value of a cookie', 'a=1; sid=x; b=2', 'sid', ['x']],
    [
      'finds every value of a duplicated session cookie, in order',
      'sid=1; a=2; sid=3',
      'sid',
      ['1', '3'],
    ],
    ['returns [] when the cookie is absent', 'a=1', 'sid', []],
    ['returns [] for an empty header', '', 'sid', []],
    ['keeps empty values', 'sid=; sid=1', 'sid', ['', '1']],
    ['keeps identical values apart', 'sid=1; sid=1', 'sid', ['1', '1']],
    ['ignores the name inside values and longer names', 'a=sid=1; sidx=2; sid =3', 'sid', ['3']],
    ['collects nameless cookies for the empty name', 'one; a=1; =two', '', ['one', 'two']],
    ['collects across the fields of a split header', ['sid=1', 'a=2; sid=3'], 'sid', ['1', '3']],
  ];
  for (const [title, input, wanted, expected] of cases) {
    void test(title, () => {
      assert.deepEqual(getCookieValues(input, wanted), expected);
    });
  }

  void test('returns [] for junk headers and names instead of throwing', () => {
    for (const input of [undefined, null, 1, {}, [null, 2]]) {
      assert.deepEqual(getCookieValues(input as string, 'a'), []);
    }
    for (const wanted of [undefined, null, 1, {}]) {
      assert.deepEqual(getCookieValues('a=1', wanted as string), []);
    }
  });

  void test('agrees with parseCookieHeader on arbitrary headers and names', () => {
    fc.assert(
      fc.property(fc.oneof(header, fc.array(header, { maxLength: 3 })), name, (input, wanted) => {
        const expected = parseCookieHeader(input)
          .filter((pair) => pair.name === wanted)
          .map((pair) => pair.value);
        assert.deepEqual(getCookieValues(input, wanted), expected);
      }),
      { numRuns: 5000 },
    );
  });
});
