import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { issueCsrfToken, verifyCsrfToken } from '../../src/csrf/index.js';
import { KeyRing } from '../../src/token/keyring.js';

const OLD = 'an old secret that is at least thirty-two bytes';
const NEW = 'a new secret that is also at least thirty-two bytes';

describe('CSRF tokens', () => {
  it('verify for the session they were issued for', () => {
    const keys = new KeyRing([NEW]);
    assert.equal(verifyCsrfToken(keys, 'session-a', issueCsrfToken(keys, 'session-a')), true);
  });

  it('a token of another session is refused', () => {
    const keys = new KeyRing([NEW]);
    assert.equal(verifyCsrfToken(keys, 'session-b', issueCsrfToken(keys, 'session-a')), false);
  });

  it('differ every time, so compression side channels learn nothing (BREACH)', () => {
    const keys = new KeyRing([NEW]);
    assert.notEqual(issueCsrfToken(keys, 's'), issueCsrfToken(keys, 's'));
  });

  it('a token with one character changed is refused', () => {
    const keys = new KeyRing([NEW]);
    const token = issueCsrfToken(keys, 's');
    for (let index = 0; index < token.length; index += 7) {
      const char = token[index] === 'A' ? 'B' : 'A';
      const forged = token.slice(0, index) + char + token.slice(index + 1);
      if (forged !== token) assert.equal(verifyCsrfToken(keys, 's', forged), false, String(index));
    }
  });

  it('junk is refused without throwing', () => {
    const keys = new KeyRing([NEW]);
    for (const junk of ['', '.', 'a.b', 'x'.repeat(10_000), '💥.💥']) {
      assert.equal(verifyCsrfToken(keys, 's', junk), false);
    }
  });

  it('secret rotation: tokens from the previous secret still verify while it is listed', () => {
    const before = new KeyRing([OLD]);
    const token = issueCsrfToken(before, 's');
    assert.equal(verifyCsrfToken(new KeyRing([NEW, OLD]), 's', token), true);
    assert.equal(verifyCsrfToken(new KeyRing([NEW]), 's', token), false);
  });
});
