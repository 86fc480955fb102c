import { domainToUnicode } from 'node:url';

import { ConfigError } from '../errors.js';
import { isCommonPassword } from './blocklist.js';
import { normalizePassword } from './normalize.js';

/**
 * The rules a new password must meet. Length only: no composition rules (a digit, a capital, a
 * symbol), which NIST SP 800-63B forbids because they push people towards predictable
 * passwords without making them harder to guess.
 */
export interface PasswordPolicy {
  /**
   * Fewest characters a new password may have. Unit: Unicode code points after NFKC, so an
   * emoji such as "🔑" counts as one (NIST SP 800-63B section 5.1.1.2). Default: 8, the floor
   * of SP 800-63B revision 3. Revision 4 asks for 15 where the password is the only factor.
   */
  readonly minLength: number;
  /**
   * Most characters a new password may have. Unit: code points after NFKC. Default: 256,
   * enough for any passphrase. Must be at least 64: NIST asks verifiers to allow that much,
   * and a low ceiling pushes people towards short passwords.
   */
  readonly maxLength: number;
  /**
   * Refuse the most common passwords (see `isCommonPassword`), a password equal to the
   * account's email, one character repeated, and one built on a context word (below). Default:
   * true.
   */
  readonly refuseCommon: boolean;
  /**
   * Context-specific words (ASVS 5.0 6.1.2, NIST SP 800-63B section 5.1.1.2): the names of the
   * service, product and organisation, which a person choosing a password reaches for first. A
   * new password whose letters, once digits, spaces and symbols are dropped, are one of these
   * words, once or repeated (`Acme2024!`, `acme-acme-1` for `acme`), is refused, as is one built
   * so on a part of the account's email of 4 letters or more (its local part with and without a
   * `+` tag, each run of letters in it, and each label of its domain but the last), which is
   * always checked. Compared in lower case after NFKC. Default: none.
   */
  readonly contextWords: readonly string[];
}

/** Why a password was refused. Stable: callers branch on it, and it is also an account error. */
export type PasswordPolicyCode = 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG' | 'PASSWORD_TOO_COMMON';

/** The verdict on a new password; `message` is fit to show to the person choosing it. */
export type PasswordPolicyResult =
  { ok: true } | { ok: false; code: PasswordPolicyCode; message: string };

/** The defaults, each documented on {@link PasswordPolicy}. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 8,
  maxLength: 256,
  refuseCommon: true,
  contextWords: Object.freeze([]),
});

// NIST SP 800-63B: verifiers SHOULD permit passwords of at least 64 characters.
const SMALLEST_ALLOWED_MAX_LENGTH = 64;

/**
 * Checks a password someone is choosing (at registration or on a change) against the policy.
 * Not for login: a policy tightened later must not lock out people whose passwords predate it.
 *
 * No password string makes it throw. It throws {@link ConfigError} when `options` is invalid,
 * and, in one setup, an error that says what to do: the common-password list is loaded on first
 * use through Node's `require`, which fails where a bundler has inlined Latchkey and left the
 * list's package out, unless `await loadCommonPasswords()` came first (as it does in
 * `Accounts`): that loads the list through `import()`, which bundlers follow.
 *
 * @param options Overrides of {@link DEFAULT_PASSWORD_POLICY}.
 */
export function checkPasswordPolicy(
  password: string,
  options?: Partial<PasswordPolicy>,
  context: { email?: string } = {},
): PasswordPolicyResult {
  const policy = resolvePasswordPolicy(options);
  const length = countCodePoints(normalizePassword(password));

  if (length < policy.minLength) {
    return {
      ok: false,
      code: 'PASSWORD_TOO_SHORT',
      message: `the password must be at least ${policy.minLength} characters long`,
    };
  }
  if (length > policy.maxLength) {
    return {
      ok: false,
      code: 'PASSWORD_TOO_LONG',
      message: `the password must be at most ${policy.maxLength} characters long`,
    };
  }
  if (policy.refuseCommon && sameAsEmail(password, context.email)) {
    // The same code (anyone who knows the email would try it first), its own message.
    return {
      ok: false,
      code: 'PASSWORD_TOO_COMMON',
      message: 'the password must not be the email address; choose another one',
    };
  }
  if (policy.refuseCommon && builtOnWord(password, policy.contextWords, context.email)) {
    return {
      ok: false,
      code: 'PASSWORD_TOO_COMMON',
      message:
        "the password must not be the site's name or a part of the email with only digits or " +
        'symbols added; choose another one',
    };
  }
  if (policy.refuseCommon && oneCharacterRepeated(normalizePassword(password))) {
    // NIST SP 800-63B section 5.1.1.2 names repetitive characters ("aaaaaa") among what to
    // refuse; eight spaces or eight of one letter are the first guesses of any cracker.
    return {
      ok: false,
      code: 'PASSWORD_TOO_COMMON',
      message: 'the password must not be one character repeated; choose another one',
    };
  }
  if (policy.refuseCommon && isCommonPassword(password)) {
    return {
      ok: false,
      code: 'PASSWORD_TOO_COMMON',
      message: 'this password is too common and easy to guess; choose another one',
    };
  }
  return { ok: true };
}

/**
 * Fills in the defaults and checks the policy; call it once at start-up. Throws
 * {@link ConfigError} naming the option, the rule and the fix.
 */
export function resolvePasswordPolicy(input: Partial<PasswordPolicy> = {}): PasswordPolicy {
  const policy: PasswordPolicy = {
    minLength: input.minLength ?? DEFAULT_PASSWORD_POLICY.minLength,
    maxLength: input.maxLength ?? DEFAULT_PASSWORD_POLICY.maxLength,
    refuseCommon: input.refuseCommon ?? DEFAULT_PASSWORD_POLICY.refuseCommon,
    contextWords: resolveContextWords(input.contextWords ?? []),
  };
  if (!Number.isSafeInteger(policy.minLength) || policy.minLength < 1) {
    throw new ConfigError(
      'passwordPolicy.minLength',
      'must be a whole number of characters, at least 1; the default is 8',
    );
  }
  if (!Number.isSafeInteger(policy.maxLength) || policy.maxLength < SMALLEST_ALLOWED_MAX_LENGTH) {
    throw new ConfigError(
      'passwordPolicy.maxLength',
      `must be a whole number of characters, at least ${SMALLEST_ALLOWED_MAX_LENGTH} ` +
        '(NIST SP 800-63B asks that 64 be allowed); the default is 256',
    );
  }
  if (policy.minLength > policy.maxLength) {
    throw new ConfigError(
      'passwordPolicy.minLength',
      'is greater than passwordPolicy.maxLength, so no password could pass; lower it',
    );
  }
  return Object.freeze(policy);
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; count += 1) {
    // A code point above U+FFFF takes two UTF-16 units (a surrogate pair) but counts as one.
    index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return count;
}

function resolveContextWords(words: readonly unknown[]): readonly string[] {
  if (!Array.isArray(words)) {
    throw new ConfigError('passwordPolicy.contextWords', 'must be a list of words');
  }
  return Object.freeze(
    words.map((word) => {
      const letters = typeof word === 'string' ? lettersOf(word) : '';
      if (letters === '') {
        throw new ConfigError(
          'passwordPolicy.contextWords',
          `${JSON.stringify(word)} holds no letter; give names such as "acme"`,
        );
      }
      return letters;
    }),
  );
}

/** Whether the password's letters are a context word or a part of the email, once or more. */
function builtOnWord(password: string, words: readonly string[], email?: string): boolean {
  const letters = lettersOf(password);
  if (letters === '') return false;
  const candidates = email === undefined ? words : [...words, ...emailWords(email)];
  return candidates.some(
    (word) =>
      letters.length % word.length === 0 && word.repeat(letters.length / word.length) === letters,
  );
}

// The parts of an address a password is built on: `jane.doe+news@mail.acme.com` gives
// "janedoe" (before any `+` tag), "janedoenews", "jane", "doe", "news", "mail" and "acme". The
// top-level label is no one's name, and parts under 4 letters are left out: they are too often a
// part of a public suffix (`co` of `co.uk`) or of anything at all.
function emailWords(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at === -1 ? email.length : at);
  const domain = at === -1 ? '' : domainToUnicode(email.slice(at + 1)) || email.slice(at + 1);
  const runs =
    local
      .normalize('NFKC')
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  const words = [lettersOf(local.split('+', 1)[0] ?? ''), lettersOf(local), ...runs];
  const labels = domain.replace(/\.$/, '').split('.').slice(0, -1).map(lettersOf);
  return [...words, ...labels].filter((word) => Array.from(word).length >= 4);
}

function lettersOf(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
}

function oneCharacterRepeated(text: string): boolean {
  const first = text.codePointAt(0);
  if (first === undefined) return false;
  const width = first > 0xffff ? 2 : 1;
  for (let index = width; index < text.length; index += width) {
    if (text.codePointAt(index) !== first) return false;
  }
  return true;
}

function sameAsEmail(password: string, email: string | undefined): boolean {
  if (email === undefined) return false;
  const normalized = normalizePassword(password).toLowerCase();
  const address = email.normalize('NFKC').trim().toLowerCase();
  return normalized === address || normalized === address.split('@', 1)[0];
}
