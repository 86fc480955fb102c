import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { startSecurityServer } from '../support/security-server.js';

/**
 * A check for a start-up failure: a ConfigError with the stable code, whose option and message
 * both name the setting at fault, and whose message matches each of `says` (the rule, the fix).
 */
function configError(option: RegExp, says: RegExp[] = []) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.option, option);
    assert.ok(error.message.includes(error.option), 'the message names the option');
    for (const pattern of says) assert.match(error.message, pattern);
    return true;
  };
}

/** Starts a server with this environment, expecting it to fail before it serves anything. */
async function startWith(env: Record<string, string>): Promise<void> {
  const server = await startSecurityServer({ env });
  await server.close();
  assert.fail(`the server started with ${JSON.stringify(env)}`);
}

describe('configuration errors fail at start-up, naming the option, the rule and the fix', () => {
  it('SameSite=None without Secure', async () => {
    await assert.rejects(
      startWith({
        LATCHKEY_COOKIE_SAMESITE: 'None',
        LATCHKEY_COOKIE_SECURE: 'false',
        LATCHKEY_COOKIE_NAME: 'auth_token',
      }),
      configError(/samesite/i, [/Secure/]),
    );
  });

  it('Secure off on a host other than localhost', () => {
    const cases: { flags?: Record<string, string | boolean>; env: Record<string, string> }[] = [
      { env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_HOST: '0.0.0.0' } },
      { env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_HOST: '::' } },
      { env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_HOST: '192.168.1.10' } },
      { env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_ORIGIN: 'https://auth.example.com' } },
      {
        env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_ORIGIN: 'http://localhost.evil.example' },
      },
      { flags: { 'insecure-cookie': true, host: '0.0.0.0' }, env: {} },
    ];
    for (const { flags = {}, env } of cases) {
      assert.throws(
        () => resolveServerConfig({ flags, env }),
        configError(/insecure-cookie|LATCHKEY_COOKIE_SECURE/, [/localhost/, /HTTPS/]),
        JSON.stringify({ flags, env }),
      );
    }
    // The control: plain HTTP on localhost is allowed, with a name whose prefix allows it.
    const local = resolveServerConfig({
      flags: {},
      env: { LATCHKEY_COOKIE_SECURE: 'false', LATCHKEY_ORIGIN: 'http://localhost:3000' },
    });
    assert.equal(local.cookie.secure, false);
  });

  it('a secret shorter than 32 bytes, without echoing the secret', async () => {
    const strong = 'k'.repeat(32);
    for (const secrets of ['tiny-secret-xyz', 'q'.repeat(31), `${strong},tiny-secret-xyz`]) {
      await assert.rejects(
        startWith({ LATCHKEY_SECRETS: secrets }),
        configError(/secrets/i, [/32 bytes/, /openssl rand/]),
        secrets,
      );
      await assert.rejects(startWith({ LATCHKEY_SECRETS: secrets }), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message.includes('tiny-secret-xyz'), false);
        assert.equal(error.message.includes('q'.repeat(31)), false);
        return true;
      });
    }
    const server = await startSecurityServer({ env: { LATCHKEY_SECRETS: strong } });
    await server.close();
  });

  it('a cookie name whose prefix its attributes break', async () => {
    for (const name of ['__Host-x', '__Secure-x', '__HOST-x', '__secure-x']) {
      await assert.rejects(
        startWith({ LATCHKEY_COOKIE_NAME: name, LATCHKEY_COOKIE_SECURE: 'false' }),
        configError(/cookie.?name/i, [/Secure/]),
        name,
      );
    }
    // Without a name of one's own, Secure off takes the default name without its prefix.
    assert.equal(
      resolveServerConfig({ flags: {}, env: { LATCHKEY_COOKIE_SECURE: 'false' } }).cookie.name,
      'auth_token',
    );
  });

  it('an unknown LATCHKEY_REGISTRATION value (or any on/off switch)', () => {
    for (const [variable, value] of [
      ['LATCHKEY_REGISTRATION', 'maybe'],
      ['LATCHKEY_REGISTRATION', 'disabled'],
      ['LATCHKEY_COOKIE_SECURE', 'flase'],
      ['LATCHKEY_COOKIE_PERSISTENT', '2'],
    ] as const) {
      assert.throws(
        () => resolveServerConfig({ flags: {}, env: { [variable]: value } }),
        configError(new RegExp(`^${variable}$`), [/on or off/]),
        `${variable}=${value}`,
      );
    }
  });
});
