import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ConfigError } from '../../src/errors.js';
import { DEFAULT_PASSWORD_POLICY, checkPasswordPolicy } from '../../src/password/index.js';

import type { PasswordPolicyCode } from '../../src/password/index.js';

const KEY = '\u{1F511}'; // 🔑: one code point, two UTF-16 units

// Lengths are tested on passwords of more than one character: one repeated is refused.
const varied = (length: number): string => `${'x'.repeat(length - 1)}y`;
const keys = (count: number): string => `${KEY.repeat(count - 1)}\u{1F512}`;

function isConfigError(option: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.option, option);
    return true;
  };
}

describe('checkPasswordPolicy', () => {
  it('defaults to 8 to 256 characters, common passwords refused, no context words', () => {
    assert.deepEqual(DEFAULT_PASSWORD_POLICY, {
      minLength: 8,
      maxLength: 256,
      refuseCommon: true,
      contextWords: [],
    });
  });

  const table: [string, string, 'ok' | PasswordPolicyCode][] = [
    ['empty', '', 'PASSWORD_TOO_SHORT'],
    ['7 characters', varied(7), 'PASSWORD_TOO_SHORT'],
    ['8 characters', varied(8), 'ok'],
    ['64 characters', varied(64), 'ok'],
    ['256 characters', varied(256), 'ok'],
    ['257 characters', varied(257), 'PASSWORD_TOO_LONG'],
    ['7 emoji (14 UTF-16 units)', keys(7), 'PASSWORD_TOO_SHORT'],
    ['8 emoji, each counted as one', keys(8), 'ok'],
    ['256 emoji (512 UTF-16 units)', keys(256), 'ok'],
    ['257 emoji', keys(257), 'PASSWORD_TOO_LONG'],
    // NFKC first: each "ﬃ" ligature becomes "ffi", three characters.
    ['3 ligatures, 9 characters after NFKC', '\ufb03'.repeat(3), 'ok'],
    ['2 ligatures, 6 characters after NFKC', '\ufb03'.repeat(2), 'PASSWORD_TOO_SHORT'],
    // NFKC composes too: "e" or "a" + combining acute become "é" or "á".
    ['16 code points composing to 8', `${'e\u0301'.repeat(7)}a\u0301`, 'ok'],
    ['14 code points composing to 7', `${'e\u0301'.repeat(6)}a\u0301`, 'PASSWORD_TOO_SHORT'],
    ['spaces count', 'a b c d ', 'ok'],
    ['no composition rules: lowercase letters only', 'abcdefghij', 'ok'],
    ['no composition rules: digits only', '8675309112', 'ok'],
    ['one character repeated: 8 spaces', ' '.repeat(8), 'PASSWORD_TOO_COMMON'],
    ['one character repeated: 20 letters', 'q'.repeat(20), 'PASSWORD_TOO_COMMON'],
    ['one character repeated: 9 NUL characters', '\0'.repeat(9), 'PASSWORD_TOO_COMMON'],
    ['one character repeated: 8 emoji', KEY.repeat(8), 'PASSWORD_TOO_COMMON'],
    [
      'one character repeated after NFKC: 8 full-width and plain "a"',
      'ａaａaａaａa',
      'PASSWORD_TOO_COMMON',
    ],
  ];
  for (const [name, password, expected] of table) {
    it(`${name}: ${expected === 'ok' ? 'accepted' : expected}`, () => {
      const result = checkPasswordPolicy(password);
      assert.equal(result.ok ? 'ok' : result.code, expected);
    });
  }

  it('says what the rule is, without echoing the password', () => {
    const short = checkPasswordPolicy('hunter2');
    assert.ok(!short.ok);
    assert.match(short.message, /at least 8 characters/);
    assert.equal(short.message.includes('hunter2'), false);
    const long = checkPasswordPolicy('y'.repeat(300));
    assert.ok(!long.ok);
    assert.match(long.message, /at most 256 characters/);
  });

  it('takes other lengths, and always allows at least 64 characters', () => {
    assert.equal(checkPasswordPolicy(varied(11), { minLength: 12 }).ok, false);
    assert.equal(checkPasswordPolicy(varied(12), { minLength: 12 }).ok, true);
    assert.equal(checkPasswordPolicy(varied(64), { maxLength: 64 }).ok, true);
    assert.equal(checkPasswordPolicy(varied(65), { maxLength: 64 }).ok, false);
  });

  it('refuses a policy that forbids 64-character passwords or admits none, naming the option', () => {
    const cases = [
      [{ maxLength: 63 }, 'passwordPolicy.maxLength'],
      [{ maxLength: 100.5 }, 'passwordPolicy.maxLength'],
      [{ minLength: 0 }, 'passwordPolicy.minLength'],
      [{ minLength: Number.NaN }, 'passwordPolicy.minLength'],
      [{ minLength: 100, maxLength: 64 }, 'passwordPolicy.minLength'],
    ] as const;
    for (const [options, option] of cases) {
      assert.throws(() => checkPasswordPolicy('password', options), isConfigError(option));
    }
  });

  it('refuses a password built on a context word or a part of the email', () => {
    const policy = { contextWords: ['Acme', 'Road-Runner'] };
    const email = { email: 'jane.doe@mail.widgets.example' };
    const refused = [
      'Acme2024!',
      'acme acme 1',
      '!!ACME!!2024',
      'ＡＣＭＥ1234', // full-width letters, one word after NFKC
      'roadrunner99',
      'Jane.Doe1987',
      'JANE-1987-!!',
      'Widgets#2024',
      'mail.mail1',
      'acmeacme1',
    ];
    for (const password of refused) {
      const result = checkPasswordPolicy(password, policy, email);
      assert.equal(result.ok ? 'ok' : result.code, 'PASSWORD_TOO_COMMON', password);
      assert.ok(!result.ok && !result.message.includes(password));
    }
    const accepted = [
      'acme is where I work, 2024', // other words around it
      'example2024!', // the top-level domain's label is no one's name
      'jane and the doe 4ever',
    ];
    for (const password of accepted) {
      assert.equal(checkPasswordPolicy(password, policy, email).ok, true, password);
    }
    // Parts under 4 letters are no words here (`co` of `co.uk`, or a short name).
    assert.equal(checkPasswordPolicy('doe12345678', policy, email).ok, true);
    assert.equal(
      checkPasswordPolicy('Co#84629173-55120', {}, { email: 'x@a.example.co.uk' }).ok,
      true,
    );
    // A plus tag is dropped as well as kept, and a domain is read as its owner writes it.
    const tagged = { email: 'jane.doe+news@xn--bcher-kva.example' };
    for (const password of ['JaneDoe2024!', 'janedoenews1', 'Bücher2024!!']) {
      assert.equal(checkPasswordPolicy(password, {}, tagged).ok, false, password);
    }
    // Without the email, its parts are free; without the words, so are they.
    assert.equal(checkPasswordPolicy('Jane.Doe1987', policy).ok, true);
    assert.equal(checkPasswordPolicy('Acme2024!').ok, true);
  });

  it('refuses a context word without a letter, naming the option', () => {
    assert.throws(
      () => checkPasswordPolicy('whatever password', { contextWords: ['acme', '2024'] }),
      isConfigError('passwordPolicy.contextWords'),
    );
  });

  it('never throws for any string, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (password) => {
        const result = checkPasswordPolicy(password);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: 500 },
    );
    assert.equal(checkPasswordPolicy('\ud800x'.repeat(4)).ok, true);
  });
});
