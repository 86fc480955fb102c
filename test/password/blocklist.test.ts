import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isCommonPassword } from '../../src/password/blocklist.js';
import { checkPasswordPolicy } from '../../src/password/policy.js';

describe('the common-password blocklist', () => {
  it('knows the most common passwords, whatever their case', () => {
    for (const password of [
      'password',
      '12345678',
      'qwertyuiop',
      'PASSWORD',
      'Iloveyou',
      'baseball',
    ]) {
      assert.equal(isCommonPassword(password), true, password);
    }
  });

  it('does not know a random passphrase', () => {
    assert.equal(isCommonPassword('correct horse battery staple'), false);
    assert.equal(isCommonPassword('vq7-Lmz!p2Rr'), false);
  });

  it('credential stuffing with common passwords: the policy refuses them with PASSWORD_TOO_COMMON', () => {
    assert.deepEqual(checkPasswordPolicy('password1'), {
      ok: false,
      code: 'PASSWORD_TOO_COMMON',
      message: 'this password is too common and easy to guess; choose another one',
    });
  });

  it('refuses a password equal to the email or its local part', () => {
    for (const password of ['ada.lovelace@example.com', 'Ada.Lovelace']) {
      const verdict = checkPasswordPolicy(password, {}, { email: 'ada.lovelace@example.com' });
      assert.equal(verdict.ok ? 'ok' : verdict.code, 'PASSWORD_TOO_COMMON', password);
    }
  });

  it('can be turned off, leaving the length rules', () => {
    assert.deepEqual(checkPasswordPolicy('password1', { refuseCommon: false }), { ok: true });
  });
});
