import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { getCookie, parseCookieHeader } from '../../src/cookie/index.js';

const headerChar = fc.oneof(
  fc.constantFrom(';', '=', ' ', '\t', 'a', 'b', 'ab', 'sid'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const header = fc.string({ unit: headerChar, maxLength: 60 });
const name = fc.oneof(
  fc.constantFrom('a', 'b', 'ab', 'sid', '', ' a', 'a ', 'a b', 'a=b', 'a;b'),
  fc.string({ maxLength: 3 }),
);

void describe('getCookie', () => {
  const cases: [
    title: string,
    header: string | readonly string[],
    name: string,
    expected?: string,
  ][] = [
    [
      'finds the value of a cookie',
      'auth_token=secure_jwt_token',
      'auth_token',
      'secure_jwt_token',
    ],
    ['finds a cookie after others', 'a=1; b=2; c=3', 'c', '3'],
    ['returns the first of duplicate cookies', 'sid=1; sid=2', 'sid', '1'],
    ['returns undefined when the cookie is absent', 'a=1; b=2', 'c'],
    ['returns undefined for an empty header', '', 'a'],
    ['does not match a name that only ends with the wanted one', 'xsid=1; sid=2', 'sid', '2'],
    ['does not match a name that only starts with the wanted one', 'sidx=1; sid=2', 'sid', '2'],
    ['does not match the wanted name inside a value', 'a=sid=1; sid=2', 'sid', '2'],
    ['does not match the wanted name as a second word', 'x sid=1; sid=2', 'sid', '2'],
    ['does not match a nameless cookie with that value', 'sid; sid=2', 'sid', '2'],
    ['trims spaces and tabs around the name and value', ' \tsid \t= 1 \t;b=2', 'sid', '1'],
    ['keeps a second "=" in the value', 'AAA=000=abc', 'AAA', '000=abc'],
    ['finds an empty value', 'ee4=; a=1', 'ee4', ''],
    ['compares names byte for byte', 'SID=1; sid=2', 'sid', '2'],
    ['finds a name with inner whitespace', 'a b=1', 'a b', '1'],
    ['finds the first nameless cookie for the empty name', 'a=1; lone; =two', '', 'lone'],
    ['matches no name holding "="', 'a=b=c', 'a=b'],
    ['matches no name holding ";"', 'a=1;b=2', '1;b'],
    ['matches no name with surrounding whitespace', ' a=1', ' a'],
    ['finds __proto__ as an ordinary name', 'constructor=1; __proto__=2', '__proto__', '2'],
    ['searches the fields of a split header in order', ['a=1', 'sid=2', 'sid=3'], 'sid', '2'],
  ];
  for (const [title, input, wanted, expected] of cases) {
    void test(title, () => {
      assert.equal(getCookie(input, wanted), expected);
    });
  }

  void test('returns undefined for junk headers and names instead of throwing', () => {
    for (const input of [undefined, null, 1, {}, [null, 2]]) {
      assert.equal(getCookie(input as string, 'a'), undefined);
    }
    for (const wanted of [undefined, null, 1, {}, Symbol('a')]) {
      assert.equal(getCookie('a=1', wanted as string), undefined);
    }
  });

  void test('agrees with parseCookieHeader on arbitrary headers and names', () => {
    fc.assert(
      fc.property(fc.oneof(header, fc.array(header, { maxLength: 3 })), name, (input, wanted) => {
        const expected = parseCookieHeader(input).find((pair) => pair.name === wanted)?.value;
        assert.equal(getCookie(input, wanted), expected);
      }),
      { numRuns: 5000 },
    );
  });

  void test('stays fast on a header full of near misses', () => {
    const input = `${'sidx=1; a=sid; '.repeat(50_000)}sid=found`;
    const started = performance.now();
    assert.equal(getCookie(input, 'sid'), 'found');
    assert.ok(performance.now() - started < 1000, 'the lookup took more than a second');
  });
});
