import { dictionary } from '@zxcvbn-ts/language-common';

import { normalizePassword } from './normalize.js';

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

// Built on first use: about 49,000 short strings, a couple of megabytes at most.
function commonPasswords(): ReadonlySet<string> {
  cached ??= new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  return cached;
}
