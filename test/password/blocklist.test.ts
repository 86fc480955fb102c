import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

  it('is loaded on first use: a server that only checks sessions does not hold it', () => {
    // The package unpacks its lists as it loads (about 15 MB of a server's resident memory).
    const server = new URL('../../src/server/index.ts', import.meta.url).href;
    const blocklist = new URL('../../src/password/blocklist.ts', import.meta.url).href;
    const script = `
      const { createRequire } = await import('node:module');
      const loaded = () =>
        Object.keys(createRequire(process.cwd() + '/').cache).some((path) =>
          path.includes('@zxcvbn-ts/language-common'));
      await import(${JSON.stringify(server)});
      const atStart = loaded();
      const { isCommonPassword } = await import(${JSON.stringify(blocklist)});
      const known = isCommonPassword('password');
      process.stdout.write(JSON.stringify({ atStart, known, afterUse: loaded() }));`;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { atStart: false, known: true, afterUse: true });
  });
});
