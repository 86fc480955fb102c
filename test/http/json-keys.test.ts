import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { repeatedTopLevelName } from '../../src/http/json-keys.js';

describe('repeatedTopLevelName', () => {
  const table: [string, string, string | null][] = [
    ['no repeat', '{"email":"a@x.example","password":"p"}', null],
    ['a repeat', '{"email":"a@x.example","email":"b@x.example"}', 'email'],
    ['a repeat spelled with an escape', '{"email":1,"\\u0065mail":2}', 'email'],
    ['a repeat after whitespace', '{ "a" : 1 ,\n "b" : 2 , "a" : 3 }', 'a'],
    ['names repeated in nested objects only', '{"a":{"x":1,"x":2},"b":[{"y":1},{"y":2}]}', null],
    ['a value equal to a name', '{"a":"a","b":"a"}', null],
    ['quotes and braces inside strings', '{"a":"\\"}{,\\"a\\":","b":"]["}', null],
    ['a repeat after a nested object', '{"a":{"b":{}},"c":[],"a":null}', 'a'],
    ['an empty object', '{}', null],
    ['__proto__ twice', '{"__proto__":1,"__proto__":2}', '__proto__'],
    // Not JSON (the caller parses first), but no input makes it loop or throw.
    ['an unterminated string', '{"a', null],
    ['an escape at the very end', '{"a\\', null],
  ];
  for (const [name, text, expected] of table) {
    it(`${name}: ${expected === null ? 'none' : expected}`, () => {
      assert.equal(repeatedTopLevelName(text), expected);
    });
  }

  it('finds none in any object JSON.stringify writes, and the one added to it (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (object, extra) => {
        const text = JSON.stringify(object);
        assert.equal(repeatedTopLevelName(text), null);
        const names = Object.keys(object);
        const name = names.length === 0 ? extra : (names[0] ?? extra);
        const separator = names.length === 0 ? '' : ',';
        const twice = `${text.slice(0, -1)}${separator}${JSON.stringify(name)}:0}`;
        assert.equal(repeatedTopLevelName(twice), names.length === 0 ? null : name);
      }),
      { numRuns: 300 },
    );
  });
});
