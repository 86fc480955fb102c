import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { build } from 'esbuild';

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
      // Said as it is, not as a password from the list.
      assert.match(verdict.ok ? '' : verdict.message, /must not be the email address/);
    }
  });

  it('can be turned off, leaving the length rules', () => {
    assert.deepEqual(checkPasswordPolicy('password1', { refuseCommon: false }), { ok: true });
  });

  it('a bundle of Latchkey still refuses common passwords at registration', async () => {
    // A bundler inlines what import() names but not what createRequire loads: the list must
    // reach Accounts through the first. The bundle runs from a folder whose node_modules holds
    // only the native Argon2 module, which no bundler can inline.
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-bundle-'));
    try {
      const entry = join(folder, 'entry.ts');
      const accounts = new URL('../../src/accounts/index.ts', import.meta.url).pathname;
      const memory = new URL('../../src/stores/memory/index.ts', import.meta.url).pathname;
      writeFileSync(
        entry,
        `import { Accounts } from ${JSON.stringify(accounts)};
        import { MemoryUserStore } from ${JSON.stringify(memory)};
        const accounts = new Accounts(new MemoryUserStore(), {
          argon2id: { memoryCostKib: 256, timeCost: 1, parallelism: 1 },
        });
        const outcome = (promise: Promise<unknown>) =>
          promise.then(() => 'registered', (error: { code?: string }) => error.code ?? 'error');
        const register = (email: string, password: string) =>
          outcome(accounts.register({ email, password }));
        const common = await register('a@example.com', 'password1');
        const strong = await register('b@example.com', 'vq7-Lmz!p2Rr');
        process.stdout.write(JSON.stringify({ common, strong }));`,
      );
      await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: join(folder, 'bundle.mjs'),
        external: ['@node-rs/argon2'],
        logLevel: 'silent',
      });
      const argon2 = new URL('../../node_modules/@node-rs', import.meta.url).pathname;
      mkdirSync(join(folder, 'node_modules'));
      symlinkSync(argon2, join(folder, 'node_modules', '@node-rs'));
      const child = spawnSync(process.execPath, [join(folder, 'bundle.mjs')], {
        cwd: folder,
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), {
        common: 'PASSWORD_TOO_COMMON',
        strong: 'registered',
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
