import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { EMAIL_MAX_BYTES, normalizeEmail } from '../../src/accounts/index.js';

// A domain of exactly `bytes` ASCII bytes: labels of at most 63 characters, then `.com`.
function domainOfLength(bytes: number): string {
  const labels: string[] = [];
  // Each label costs its length plus the dot after it.
  for (let rest = bytes - 'com'.length; rest > 0; rest -= labels.at(-1)!.length + 1) {
    labels.push('d'.repeat(Math.min(63, rest - 1)));
  }
  return `${labels.join('.')}.com`;
}

const accepted: [string, string, string][] = [
  ['a plain address', 'alice@example.com', 'alice@example.com'],
  ['surrounding whitespace trimmed', ' \t alice@example.com\r\n', 'alice@example.com'],
  ['lowercased, local part included', 'Alice.Smith@Example.COM', 'alice.smith@example.com'],
  ['plus tags and subdomains', 'x+tag@mail.example.co.uk', 'x+tag@mail.example.co.uk'],
  [
    'an apostrophe and other atext',
    "o'brien!#$%&*/=?^_`{|}~-@example.ie",
    "o'brien!#$%&*/=?^_`{|}~-@example.ie",
  ],
  ['localhost, for development', 'Dev@LOCALHOST', 'dev@localhost'],
  ['a punycode domain', 'user@xn--bcher-kva.example', 'user@xn--bcher-kva.example'],
  [
    'combining accents composed, the domain in its ASCII form',
    'jose\u0301@exa\u0308mple.com',
    'jos\u00e9@xn--exmple-cua.com',
  ],
  ['non-ASCII capitals lowercased', '\u00c9LODIE@EXAMPLE.FR', '\u00e9lodie@example.fr'],
  [
    'an internationalized address, the domain in its ASCII (IDNA) form',
    '\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a',
    '\u7528\u6237@xn--fsqu00a.xn--4rr70v',
  ],
  ['an ASCII domain equal to an IDNA one', 'ada@xn--bcher-kva.de', 'ada@xn--bcher-kva.de'],
  ['a Unicode domain folded to its ASCII form', 'ada@b\u00fccher.de', 'ada@xn--bcher-kva.de'],
  ['full-width letters folded (NFKC)', '\uff41\uff44\uff41@example.com', 'ada@example.com'],
  ['a full-width @ folded (NFKC)', 'alice\uff20example.com', 'alice@example.com'],
  [
    'mathematical letters folded (NFKC)',
    '\u{1d41a}\u{1d41d}\u{1d41a}@example.com',
    'ada@example.com',
  ],
  ['a ligature folded (NFKC)', '\ufb01@example.com', 'fi@example.com'],
  ['consecutive dots in the local part (as WHATWG)', 'a..b@example.com', 'a..b@example.com'],
  ['a 64-byte local part', `${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
  ['a 254-byte address', `a@${domainOfLength(252)}`, `a@${domainOfLength(252)}`],
];

const refused: [string, unknown][] = [
  ['empty', ''],
  ['whitespace only', '   '],
  ['no @', 'alice.example.com'],
  ['no local part', '@example.com'],
  ['no domain', 'alice@'],
  ['two @', 'a@b@example.com'],
  ['a single-label domain (a typo for a real one)', 'alice@gmail'],
  ['a trailing dot', 'alice@example.com.'],
  ['a leading dot in the domain', 'alice@.example.com'],
  ['an empty label', 'alice@example..com'],
  ['a label starting with a hyphen', 'alice@-example.com'],
  ['a label ending with a hyphen', 'alice@example-.com'],
  ['an underscore in the domain', 'alice@exam_ple.com'],
  ['an all-digit top-level label (an IP address)', 'alice@192.0.2.1'],
  ['an address literal', 'alice@[192.0.2.1]'],
  ['a quoted local part', '"alice smith"@example.com'],
  ['a comment', 'alice(work)@example.com'],
  ['angle brackets', '<alice@example.com>'],
  ['two addresses', 'alice@example.com,bob@example.com'],
  ['inner space', 'al ice@example.com'],
  ['a tab inside', 'alice\t@example.com'],
  ['a NUL', 'ali\u0000ce@example.com'],
  ['a newline inside (header injection)', 'alice@example.com\nBcc: eve@example.com'],
  ['a zero-width space (look-alike account)', 'alice\u200b@example.com'],
  ['a right-to-left override (spoofed display)', 'alice\u202e@example.com'],
  ['a no-break space', 'alice\u00a0@example.com'],
  ['an unpaired surrogate', 'a\ud800@example.com'],
  ['a variation selector (invisible)', 'ada\ufe0f@example.com'],
  ['a combining grapheme joiner (invisible)', 'ada\u034f@example.com'],
  ['an invisible character in the domain', 'ada@exam\u034fple.com'],
  ['a Hangul filler (blank)', 'ada\u3164@example.com'],
  ['a replacement character (undecodable input)', 'a\ufffdb@example.com'],
  ['a 65-byte local part', `${'a'.repeat(65)}@example.com`],
  ['a 64-character local part of 128 bytes', `${'\u00e9'.repeat(64)}@example.com`],
  ['a 255-byte address', `a@${domainOfLength(253)}`],
  ['a megabyte of input', `${'a'.repeat(1_000_000)}@example.com`],
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['an object', { toString: () => 'alice@example.com' }],
];

describe('normalizeEmail', () => {
  it('the length fixtures are what they say', () => {
    assert.equal(Buffer.byteLength(`a@${domainOfLength(252)}`), EMAIL_MAX_BYTES);
    assert.equal(Buffer.byteLength(`a@${domainOfLength(253)}`), EMAIL_MAX_BYTES + 1);
  });

  for (const [name, input, expected] of accepted) {
    it(`accepts ${name}`, () => {
      assert.equal(normalizeEmail(input), expected);
    });
  }

  for (const [name, input] of refused) {
    it(`refuses ${name}`, () => {
      assert.equal(normalizeEmail(input as string), null);
    });
  }

  it('lowercases the same whatever the locale (no Turkish dotless i)', () => {
    assert.equal(normalizeEmail('ILKER@EXAMPLE.COM.TR'), 'ilker@example.com.tr');
  });

  it('never throws, and normalizing twice changes nothing (property)', () => {
    const local = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 });
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.tuple(local, fc.domain()).map(([l, d]) => `${l}@${d}`),
      fc.emailAddress(),
    );
    fc.assert(
      fc.property(input, (value) => {
        const normalized = normalizeEmail(value);
        if (normalized !== null) assert.equal(normalizeEmail(normalized), normalized);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts ordinary generated addresses (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (address) => {
        // fast-check's generator follows RFC 5322's dot-atom, a subset of what is accepted here,
        // except that it allows single-label and all-digit domains, which are refused on purpose.
        const domain = address.slice(address.lastIndexOf('@') + 1);
        const last = domain.split('.').pop() ?? '';
        if (!domain.includes('.') || /^[0-9]+$/.test(last)) return;
        if (Buffer.byteLength(address) > EMAIL_MAX_BYTES) return;
        assert.equal(normalizeEmail(address), address.toLowerCase());
      }),
      { numRuns: 1_000 },
    );
  });
});
