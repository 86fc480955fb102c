import { createRequire } from 'node:module';

import { normalizePassword } from './normalize.js';

import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * Whether a password is one of the most common ones: the ~49,000 passwords, most frequent
 * first, that the `@zxcvbn-ts/language-common` package collects from public breach corpora.
 * Compared case-insensitively after NFKC, so `Password1` is as refused as `password1`
 * (NIST SP 800-63B section 5.1.1.2 asks verifiers to refuse values known to be commonly
 * used or compromised).
 *
 * The list is loaded on first use (see {@link loadCommonPasswords}). Called before that, this
 * loads it synchronously with Node's `require`, which a bundler that inlines Latchkey does not
 * follow: there, `loadCommonPasswords` must come first, as it does in `Accounts`.
 */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(normalizePassword(password).toLowerCase());
}

let cached: ReadonlySet<string> | undefined;
let loading: Promise<void> | undefined;

// Loaded when first needed (a registration or a password change), not when the module is
// imported: the package unpacks its lists as it loads, which grew a server's resident memory
// by about 15 MB, and a server that only checks sessions never needs them.

/**
 * Loads the common-password list, once, through `import()` (which bundlers follow). Resolves
 * at once when it is loaded already; a failed load is tried again by the next call.
 */
export function loadCommonPasswords(): Promise<void> {
  if (cached !== undefined) return Promise.resolve();
  loading ??= import('@zxcvbn-ts/language-common').then(
    (module) => {
      cached ??= setOf(module.dictionary);
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

function commonPasswords(): ReadonlySet<string> {
  if (cached !== undefined) return cached;
  let module: typeof LanguageCommon;
  try {
    module = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof LanguageCommon;
  } catch (error) {
    throw new Error(
      'latchkey: the common-password list could not be loaded; where a bundler has inlined ' +
        'Latchkey, await loadCommonPasswords() (latchkey/password) before checking a password',
      { cause: error },
    );
  }
  cached = setOf(module.dictionary);
  return cached;
}

function setOf(dictionary: (typeof LanguageCommon)['dictionary']): ReadonlySet<string> {
  return new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
}
