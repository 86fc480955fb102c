import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { parseCookieHeader } from '../../src/cookie/index.js';

import type { CookiePair } from '../../src/cookie/index.js';

// Characters that shape a Cookie header, mixed with any UTF-16 code unit, so that generated
// headers hit separators and trimming often while still covering lone surrogates and controls.
const headerChar = fc.oneof(
  fc.constantFrom(';', '=', ' ', '\t', '"', '%', ',', 'a', 'b', '_'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const header = fc.string({ unit: headerChar, maxLength: 80 });

const pairs = (...list: [string, string][]): CookiePair[] =>
  list.map(([name, value]) => ({ name, value }));

void describe('parseCookieHeader', () => {
  const cases: [title: string, header: string | readonly string[], expected: CookiePair[]][] = [
    ['reads one cookie', 'auth_token=secure_jwt_token', pairs(['auth_token', 'secure_jwt_token'])],
    ['reads pairs in the order sent', 'b=2; a=1; c=3', pairs(['b', '2'], ['a', '1'], ['c', '3'])],
    ['keeps duplicate names', 'sid=1; sid=2', pairs(['sid', '1'], ['sid', '2'])],
    ['reads pairs without a space after ";"', 'a=1;b=2', pairs(['a', '1'], ['b', '2'])],
    ['trims spaces and tabs around names', ' \ta \t=1', pairs(['a', '1'])],
    ['trims spaces and tabs around values', 'a=\t 1 \t', pairs(['a', '1'])],
    ['keeps inner whitespace of names and values', 'a b=c d', pairs(['a b', 'c d'])],
    ['trims nothing but spaces and tabs', '\na\r=\v1\f', pairs(['\na\r', '\v1\f'])],
    ['keeps a second "=" in the value', 'AAA=000=abc', pairs(['AAA', '000=abc'])],
    ['keeps an empty value', 'ee4=; a=1', pairs(['ee4', ''], ['a', '1'])],
    ['reads a pair without "=" as a nameless cookie', 'abc', pairs(['', 'abc'])],
    ['reads a pair starting with "=" as a nameless cookie', '=abc', pairs(['', 'abc'])],
    [
      'keeps a nameless cookie among others',
      'a=1; lone; b=2',
      pairs(['a', '1'], ['', 'lone'], ['b', '2']),
    ],
    ['skips empty pairs', ';; a=1 ;  ; ;b=2;', pairs(['a', '1'], ['b', '2'])],
    ['skips a pair that is only "="', 'a=1; = ; b=2', pairs(['a', '1'], ['b', '2'])],
    ['keeps double quotes around a value', 'q="a b"', pairs(['q', '"a b"'])],
    ['splits inside double quotes, as browsers do', 'q="a;b"', pairs(['q', '"a'], ['', 'b"'])],
    ['does not percent-decode', 'a=%E2%82%AC%20', pairs(['a', '%E2%82%AC%20'])],
    ['does not split on commas', 'a=1, b=2', pairs(['a', '1, b=2'])],
    ['compares names byte for byte', 'SID=1; sid=2', pairs(['SID', '1'], ['sid', '2'])],
    [
      'keeps __proto__ and constructor as ordinary names',
      '__proto__=1; constructor=2',
      pairs(['__proto__', '1'], ['constructor', '2']),
    ],
    [
      'keeps non-ASCII bytes as they are',
      'n=caf\u00e9; \u00ff=x',
      pairs(['n', 'caf\u00e9'], ['\u00ff', 'x']),
    ],
    ['returns nothing for an empty header', '', []],
    ['returns nothing for a header of separators and blanks', ' ; ;\t; ', []],
    [
      'reads every field of a split header in order',
      ['a=1; b=2', 'c=3'],
      pairs(['a', '1'], ['b', '2'], ['c', '3']),
    ],
    ['returns nothing for an empty array', [], []],
  ];
  for (const [title, input, expected] of cases) {
    void test(title, () => {
      assert.deepEqual(parseCookieHeader(input), expected);
    });
  }

  const junk: [title: string, input: unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { cookie: 'a=1' }],
    ['a String object', new String('a=1')],
    ['a symbol', Symbol('a=1')],
  ];
  for (const [title, input] of junk) {
    void test(`returns [] for ${title} instead of throwing`, () => {
      assert.deepEqual(parseCookieHeader(input as string), []);
    });
  }

  void test('skips non-string entries of an array', () => {
    const input = [null, 'a=1', 7, { b: 2 }, 'b=2'] as unknown as string[];
    assert.deepEqual(parseCookieHeader(input), pairs(['a', '1'], ['b', '2']));
  });

  void test('returns [] for an array whose elements throw when read', () => {
    const hostile = new Proxy(['a=1'], {
      get(target, key, receiver) {
        if (key === '0') throw new Error('boom');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    assert.deepEqual(parseCookieHeader(hostile), []);
  });

  void test('stays linear on many pairs without "=" before a late "="', () => {
    const input = `${'x;'.repeat(200_000)}a=1`;
    const started = performance.now();
    const parsed = parseCookieHeader(input);
    assert.equal(parsed.length, 200_001);
    assert.ok(performance.now() - started < 1000, 'parsing took more than a second');
  });

  void test('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(header, fc.string({ unit: 'binary' })), (input) => {
        parseCookieHeader(input);
      }),
      { numRuns: 2000 },
    );
  });

  void test('never throws on arbitrary values and arrays of them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.oneof(header, fc.anything()))), (input) => {
        assert.ok(Array.isArray(parseCookieHeader(input as string)));
      }),
    );
  });

  void test('returns only trimmed, non-empty pairs whose names hold no ";" or "="', () => {
    fc.assert(
      fc.property(header, (input) => {
        for (const { name, value } of parseCookieHeader(input)) {
          assert.ok(name !== '' || value !== '');
          assert.ok(!/[;=]/.test(name) && !value.includes(';'));
          for (const text of [name, value])
            assert.equal(text, text.replace(/^[ \t]+|[ \t]+$/g, ''));
        }
      }),
      { numRuns: 2000 },
    );
  });

  void test('reads a split header as the fields joined with "; "', () => {
    fc.assert(
      fc.property(fc.array(header, { maxLength: 4 }), (fields) => {
        assert.deepEqual(parseCookieHeader(fields), parseCookieHeader(fields.join('; ')));
      }),
    );
  });
});
