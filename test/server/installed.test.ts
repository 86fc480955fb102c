import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ensureInstalled } from '../../src/server/installed.js';

describe('ensureInstalled', () => {
  it('passes for the packages a server loads on first use', () => {
    ensureInstalled(['@zxcvbn-ts/language-common', 'jose']);
  });

  it('names a package missing from the installation, so that the server stops at start', () => {
    assert.throws(
      () => {
        ensureInstalled(['jose', 'latchkey-no-such-package']);
      },
      { message: /the package latchkey-no-such-package is not installed/ },
    );
  });
});
