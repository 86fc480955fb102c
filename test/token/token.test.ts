import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as Crypto from 'node:crypto';
import { describe, it } from 'node:test';

import {
  SESSION_TOKEN_LENGTH,
  constantTimeEqual,
  encodeBase32LowerCaseNoPadding,
  generateId,
  generateSessionToken,
  hashToken,
  isWellFormedSessionToken,
} from '../../src/token/index.js';
import { randomBase64url, randomBytesOf } from '../../src/token/random.js';

describe('session tokens', () => {
  it('are 43 base64url characters carrying 256 random bits', () => {
    const token = generateSessionToken();
    assert.equal(token.length, SESSION_TOKEN_LENGTH);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
  });

  it('do not repeat across 10,000 draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) seen.add(generateSessionToken());
    assert.equal(seen.size, 10_000);
  });

  it('are recognised as well formed, and junk is not', () => {
    assert.equal(isWellFormedSessionToken(generateSessionToken()), true);
    const token = generateSessionToken();
    for (const junk of [
      '',
      token.slice(1),
      `${token}A`,
      `${token.slice(0, 42)}B`, // a final character no 32-byte encoding can end with
      `${token.slice(0, 10)}+${token.slice(11)}`,
      `${token.slice(0, 10)}=${token.slice(11)}`,
      42,
      null,
      undefined,
      { toString: () => token },
    ]) {
      assert.equal(isWellFormedSessionToken(junk), false, String(junk));
    }
  });
});

describe('hashToken', () => {
  it('is the SHA-256 of the token in lowercase hex', () => {
    // FIPS 180-2 test vector for "abc".
    assert.equal(
      hashToken('abc'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('differs for tokens differing by one byte', () => {
    const token = generateSessionToken();
    const other = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    assert.notEqual(hashToken(token), hashToken(other));
  });
});

describe('constantTimeEqual', () => {
  it('is true only for equal strings', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });

  it('finds a difference at any position, and in a code unit beyond ASCII', () => {
    const hash = 'a'.repeat(64);
    for (let at = 0; at < hash.length; at += 1) {
      const other = `${hash.slice(0, at)}b${hash.slice(at + 1)}`;
      assert.equal(constantTimeEqual(hash, other), false, `differs at ${String(at)}`);
    }
    // Same low byte (0x61), different high byte.
    assert.equal(constantTimeEqual('a', '\u0161'), false);
    assert.equal(constantTimeEqual('\u{1F511}', '\u{1F512}'), false);
    assert.equal(constantTimeEqual('caf\u00e9', 'caf\u00e9'), true);
  });
});

describe('generateId', () => {
  it('is 26 lowercase base32 characters and unique', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const id = generateId();
      assert.match(id, /^[a-z2-7]{26}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  });

  it('encodes base32 as RFC 4648 section 10 does, lowercased and unpadded', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [input, expected] of vectors) {
      assert.equal(encodeBase32LowerCaseNoPadding(Buffer.from(input)), expected);
    }
  });
});

describe('random draws (tokens, ids and nonces)', () => {
  // Every buffer the CSPRNG fills, with a copy of what it put there; the module under test calls
  // node:crypto's randomFillSync through its ESM binding, which syncBuiltinESMExports updates.
  function recordingFills<T>(body: (fills: { target: Buffer; bytes: Buffer }[]) => T): T {
    const crypto = createRequire(import.meta.url)('node:crypto') as typeof Crypto;
    const original = crypto.randomFillSync;
    const fills: { target: Buffer; bytes: Buffer }[] = [];
    crypto.randomFillSync = ((target: Buffer): Buffer => {
      original(target);
      fills.push({ target, bytes: Buffer.from(target) });
      return target;
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      return body(fills);
    } finally {
      crypto.randomFillSync = original;
      syncBuiltinESMExports();
    }
  }

  it('hand out each byte once, in order, and wipe it: no token predictable from another', () => {
    recordingFills((fills) => {
      let block: { target: Buffer; bytes: Buffer } | null = null;
      let offset = 0;
      // Sizes that do not divide the 4 KiB block, so that draws straddle its refills.
      for (let i = 0; i < 600; i += 1) {
        const size = [32, 16, 7, 43, 256, 1][i % 6]!;
        const fillsBefore = fills.length;
        const bytes =
          i % 2 === 0 ? randomBytesOf(size) : Buffer.from(randomBase64url(size), 'base64url');
        assert.equal(bytes.length, size);
        if (fills.length > fillsBefore) {
          // A refill: only when the block had too few bytes left (or none seen yet), and the draw
          // is the start of the new block.
          assert.equal(fills.length, fillsBefore + 1);
          assert.ok(block === null || offset + size > 4_096, `refilled at ${offset} for ${size}`);
          block = fills.at(-1)!;
          assert.equal(block.target.length, 4_096);
          offset = 0;
        } else if (block === null) {
          continue; // From a block filled before this test: its bytes are unknown here.
        } else {
          assert.ok(offset + size <= 4_096, `drew past the block's end at ${offset}`);
        }
        assert.deepEqual(bytes, block.bytes.subarray(offset, offset + size), `draw ${i}`);
        offset += size;
        assert.ok(
          block.target.subarray(0, offset).every((byte) => byte === 0),
          'the bytes handed out are wiped in the block',
        );
      }
      assert.ok(fills.length >= 3, `${fills.length} blocks filled`);
    });
  });

  it('give each caller a buffer of its own, and draw sizes over 256 bytes apart', () => {
    recordingFills((fills) => {
      const first = randomBytesOf(16);
      const copy = Buffer.from(first);
      for (let i = 0; i < 300; i += 1) randomBytesOf(16); // refills the block at least once
      assert.deepEqual(first, copy, 'later draws do not change an earlier one');
      const block = fills.at(-1)!.target;
      const before = Buffer.from(block);
      assert.equal(randomBytesOf(1_000).length, 1_000);
      assert.equal(Buffer.from(randomBase64url(257), 'base64url').length, 257);
      assert.deepEqual(block, before, 'a large draw leaves the block alone');
      assert.ok(fills.slice(-2).every((fill) => fill.target !== block));
      assert.equal(randomBase64url(0), '');
    });
  });

  it('refuse a size that is not a whole number of bytes', () => {
    for (const size of [-1, 1.5, Number.NaN, 300.5, Number.POSITIVE_INFINITY]) {
      assert.throws(() => randomBase64url(size), RangeError, String(size));
      assert.throws(() => randomBytesOf(size), RangeError, String(size));
    }
  });
});
