import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { decodeCookieValue } from '../../src/cookie/index.js';

void describe('decodeCookieValue', () => {
  const cases: [title: string, value: string, expected: string][] = [
    ['returns a value without "%" as it is', 'abc+def', 'abc+def'],
    ['decodes an ASCII escape', 'a%20b', 'a b'],
    ['decodes a multi-byte UTF-8 sequence', '%E2%82%AC', '\u20ac'],
    ['decodes a four-byte sequence', '%F0%9F%8D%AA', '\u{1f36a}'],
    ['decodes lowercase hex digits', '%c3%a9', '\u00e9'],
    ['decodes an escaped "%"', '100%25', '100%'],
    ['leaves "+" alone, since cookie values are not form-encoded', 'a+b', 'a+b'],
    ['leaves a lone "%" as it is', '100%', '100%'],
    ['leaves an escape with non-hex digits as it is', '%zz%41', '%zzA'],
    ['leaves a truncated escape as it is', 'a%4', 'a%4'],
    ['leaves a truncated UTF-8 sequence as it is', '%C3', '%C3'],
    ['leaves a stray continuation byte as it is', '%80%41', '%80A'],
    ['leaves an overlong encoding as it is', '%C0%AF', '%C0%AF'],
    ['leaves an encoded surrogate as it is', '%ED%A0%80', '%ED%A0%80'],
    ['leaves a code point beyond U+10FFFF as it is', '%F4%90%80%80', '%F4%90%80%80'],
    ['decodes valid escapes around an invalid one', '%E2%82%AC%C3%41%20', '\u20ac%C3A '],
    ['leaves a sequence cut short by plain text as it is', '%E2%82x', '%E2%82x'],
    ['returns an empty value as it is', '', ''],
  ];
  for (const [title, value, expected] of cases) {
    void test(title, () => {
      assert.equal(decodeCookieValue(value), expected);
    });
  }

  void test('returns an empty string for a value that is not a string', () => {
    for (const value of [undefined, null, 42, {}, ['%41']]) {
      assert.equal(decodeCookieValue(value as string), '');
    }
  });

  void test('reverses encodeURIComponent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        assert.equal(decodeCookieValue(encodeURIComponent(text)), text);
      }),
    );
  });

  void test('never throws, and agrees with decodeURIComponent wherever that succeeds', () => {
    const escape = fc
      .integer({ min: 0, max: 255 })
      .map((byte) => `%${byte.toString(16).padStart(2, '0')}`);
    const unit = fc.oneof(
      escape,
      fc.constantFrom('%', '%4', 'a', '+'),
      fc.string({ maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (value) => {
        const decoded = decodeCookieValue(value);
        let strict: string | undefined;
        try {
          strict = decodeURIComponent(value);
        } catch {
          strict = undefined;
        }
        if (strict !== undefined) assert.equal(decoded, strict);
      }),
      { numRuns: 2000 },
    );
  });
});
