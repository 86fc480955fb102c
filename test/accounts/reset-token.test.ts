import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { issueResetToken, readResetToken } from '../../src/accounts/reset-token.js';
import { KeyRing } from '../../src/token/keyring.js';

const OLD = 'an older secret, still verifying, at least 32 bytes';
const NEW = 'the current secret, which signs, also 32 bytes long';
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const HOUR = 3_600_000;
const account = { email: 'jo@example.com', credentialStamp: 'stamp-of-the-current-hash' };
const user = { id: 'u4kq2x7m3b5n8p1r6t9v0w2y4z', ...account };

describe('password reset tokens', () => {
  const keys = new KeyRing([NEW, OLD]);
  const token = issueResetToken(keys, user, NOW + HOUR);

  it('name the user and work for the account as it was, until they expire', () => {
    const claim = readResetToken(keys, token, NOW);
    assert.equal(claim?.userId, user.id);
    assert.equal(claim.expiresAtMs, NOW + HOUR);
    assert.equal(claim.madeFor(account), true);
    assert.equal(readResetToken(keys, token, NOW + HOUR - 1)?.userId, user.id);
    assert.equal(readResetToken(keys, token, NOW + HOUR), null, 'expired at its expiry');
  });

  it('link replay: after the password changes (a new stamp), the token is void', () => {
    const claim = readResetToken(keys, token, NOW);
    assert.ok(claim);
    assert.equal(claim.madeFor({ ...account, credentialStamp: 'stamp-of-the-next-hash' }), false);
    // A disabled or deleted account has no stamp.
    assert.equal(claim.madeFor({ ...account, credentialStamp: '' }), false);
  });

  it('a link mailed to an address the account has since left no longer works', () => {
    const claim = readResetToken(keys, token, NOW);
    assert.equal(claim?.madeFor({ ...account, email: 'jo@elsewhere.example' }), false);
  });

  it('forged tokens: another user, a later expiry, another secret or a changed HMAC are refused', () => {
    const [id = '', expires = '', mac = ''] = token.split('.');
    const otherId = Buffer.from('another-user', 'utf8').toString('base64url');
    const forged = [
      `${otherId}.${expires}.${mac}`,
      `${id}.${String(Number(expires) + 86_400)}.${mac}`,
      issueResetToken(new KeyRing(['a secret the server never had, 32 bytes+']), user, NOW + HOUR),
      `${id}.${expires}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`,
      // The last character's unused bits: the same id to a decoder, not the text that was signed.
      `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${expires}.${mac}`,
    ];
    for (const candidate of forged) {
      assert.notEqual(readResetToken(keys, candidate, NOW)?.madeFor(account), true, candidate);
    }
  });

  it('secret rotation: a token made under the old secret still works while it verifies', () => {
    const before = issueResetToken(new KeyRing([OLD]), user, NOW + HOUR);
    assert.equal(readResetToken(keys, before, NOW)?.madeFor(account), true);
  });

  it('carries any user id, dots and all', () => {
    const odd = { ...user, id: 'tenant.7/user@x' };
    const claim = readResetToken(keys, issueResetToken(keys, odd, NOW + HOUR), NOW);
    assert.equal(claim?.userId, odd.id);
    assert.equal(claim.madeFor(account), true);
  });

  it('never throws, and accepts no text it did not make (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        assert.notEqual(readResetToken(keys, text, NOW)?.madeFor(account), true);
      }),
      { numRuns: 500 },
    );
  });
});
