import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { KeyRing } from '../../src/token/keyring.js';

const SECRET = 'a secret that is at least thirty-two bytes long';

describe('KeyRing', () => {
  it('signs with the first secret and verifies with any', () => {
    const old = new KeyRing([SECRET]);
    const rotated = new KeyRing([`new ${SECRET}`, SECRET]);
    const signature = old.sign('message');
    assert.equal(rotated.verify('message', signature), true);
    assert.equal(rotated.verify('message', rotated.sign('message')), true);
    assert.equal(old.verify('message', rotated.sign('message')), false);
  });

  it('a signature over another message is refused', () => {
    const keys = new KeyRing([SECRET]);
    assert.equal(keys.verify('other', keys.sign('message')), false);
  });

  it('refuses a secret under 32 bytes, naming the option and the fix', () => {
    assert.throws(
      () => new KeyRing(['short'], 'LATCHKEY_SECRETS'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.option === 'LATCHKEY_SECRETS' &&
        /at least 32 bytes/.test(error.message) &&
        /openssl rand/.test(error.message),
    );
  });

  it('refuses an empty list', () => {
    assert.throws(() => new KeyRing([]), ConfigError);
  });
});
