import { createRequire } from 'node:module';

import { normalizePassword } from './normalize.js';

import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * Whether a password is one of the most common ones: the ~49,000 passwords, most frequent
 * first, that the `@zxcvbn-ts/language-common` package collects from public breach corpora.
 * Compared case-insensitively after NFKC, so `Password1` is as refused as `password1`
 * (NIST SP 800-63B section 5.1.1.2 asks verifiers to refuse values known to be commonly
 * used or compromised).
 */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(normalizePassword(password).toLowerCase());
}

let cached: ReadonlySet<string> | undefined;

// Loaded and built on first use (a registration or a password change), not when the module is
// imported: the package unpacks its lists as it loads, which grew a server's resident memory by
// about 15 MB, and a server that only checks sessions never needs them.
function commonPasswords(): ReadonlySet<string> {
  if (cached === undefined) {
    const { dictionary } = createRequire(import.meta.url)(
      '@zxcvbn-ts/language-common',
    ) as typeof LanguageCommon;
    cached = new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  }
  return cached;
}
