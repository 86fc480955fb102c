import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { issueResetToken, readResetToken } from '../../src/accounts/reset-token.js';
import { KeyRing } from '../../src/token/keyring.js';

const OLD = 'an older secret, still verifying, at least 32 bytes';
const NEW = 'the current secret, which signs, also 32 bytes long';
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const HOUR = 3_600_000;
const user = { id: 'u4kq2x7m3b5n8p1r6t9v0w2y4z', credentialStamp: 'stamp-of-the-current-hash' };

describe('password reset tokens', () => {
  const keys = new KeyRing([NEW, OLD]);
  const token = issueResetToken(keys, user, NOW + HOUR);

  it('name the user and work under the stamp they were made with, until they expire', () => {
    const claim = readResetToken(keys, token, NOW);
    assert.equal(claim?.userId, user.id);
    assert.equal(claim.expiresAtMs, NOW + HOUR);
    assert.equal(claim.madeUnder(user.credentialStamp), true);
    assert.equal(readResetToken(keys, token, NOW + HOUR - 1)?.userId, user.id);
    assert.equal(readResetToken(keys, token, NOW + HOUR), null, 'expired at its expiry');
  });

  it('link replay: after the password changes (a new stamp), the token is void', () => {
    assert.equal(readResetToken(keys, token, NOW)?.madeUnder('stamp-of-the-next-hash'), false);
    // A disabled or deleted account has no stamp.
    assert.equal(readResetToken(keys, token, NOW)?.madeUnder(''), false);
  });

  it('forged tokens: another user, a later expiry, another secret or a changed HMAC are refused', () => {
    const [id = '', expires = '', mac = ''] = token.split('.');
    const otherId = Buffer.from('another-user', 'utf8').toString('base64url');
    const forged = [
      `${otherId}.${expires}.${mac}`,
      `${id}.${String(Number(expires) + 86_400)}.${mac}`,
      issueResetToken(new KeyRing(['a secret the server never had, 32 bytes+']), user, NOW + HOUR),
      `${id}.${expires}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`,
    ];
    for (const candidate of forged) {
      const claim = readResetToken(keys, candidate, NOW);
      assert.notEqual(claim?.madeUnder(user.credentialStamp), true, candidate);
    }
  });

  it('secret rotation: a token made under the old secret still works while it verifies', () => {
    const before = issueResetToken(new KeyRing([OLD]), user, NOW + HOUR);
    assert.equal(readResetToken(keys, before, NOW)?.madeUnder(user.credentialStamp), true);
  });

  it('carries any user id, dots and all, and reads back only what it wrote', () => {
    const odd = { id: 'tenant.7/user@x', credentialStamp: 's' };
    const made = issueResetToken(keys, odd, NOW + HOUR);
    assert.equal(readResetToken(keys, made, NOW)?.userId, odd.id);
    // Padding bits a base64url decoder ignores would give a second spelling of one id.
    const [id = '', ...rest] = made.split('.');
    const respelled = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    const claim = readResetToken(keys, [respelled, ...rest].join('.'), NOW);
    assert.ok(claim === null || claim.userId !== odd.id || !claim.madeUnder(odd.credentialStamp));
  });

  it('never throws, and reads no text as a token that it did not make (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const claim = readResetToken(keys, text, NOW);
        assert.notEqual(claim?.madeUnder(user.credentialStamp), true);
      }),
      { numRuns: 500 },
    );
  });
});
