import type { KeyRing } from '../token/keyring.js';

/**
 * Password reset tokens: what a reset link carries, `<user id>.<expiry>.<HMAC>`, the id in
 * base64url and the expiry in seconds since the epoch. The HMAC (under the server's secrets)
 * covers the id, the expiry, and the account's email and credential stamp (a fingerprint of its
 * password hash) as they were when the token was made. Nothing is stored: once the password
 * changes, by this reset or any other way, the stamp moves on and every token made before is
 * void, so a token works once; an email change voids them too, while it stands (a link mailed
 * to the old address no longer works). A disabled account's tokens do not work while it is
 * disabled, but being nothing but a flag, disabling leaves its password, and so its tokens, as
 * they were: enabled again (or its email changed back), the account's unexpired tokens work
 * again (docs/security.md, Known limitations).
 */

const PURPOSE = 'latchkey.password-reset.v1';

/** Longest lifetime a reset token may be given. Unit: seconds. 7 days. */
export const RESET_TOKEN_MAX_LIFETIME_SECONDS = 7 * 86_400;

/** A reset token's default lifetime. Unit: seconds. 1 hour. */
export const RESET_TOKEN_DEFAULT_LIFETIME_SECONDS = 3_600;

// base64url id, decimal seconds, 43-character base64url HMAC-SHA-256.
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{1,172})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** What a token is checked against: the account as it is now. */
export interface ResetTokenAccount {
  email: string;
  /** `Accounts.credentialStampOf`: '' for an account that has none (disabled, gone). */
  credentialStamp: string;
}

/** A token that is well formed and not yet expired; its HMAC is checked against an account. */
export interface ResetTokenClaim {
  userId: string;
  expiresAtMs: number;
  /** Whether the token was made for the account with this email and credential stamp. */
  madeFor(account: ResetTokenAccount): boolean;
}

/**
 * A reset token for the user with this id, email and credential stamp
 * (`Accounts.credentialStampOf`), valid until `expiresAtMs` (rounded down to the second).
 */
export function issueResetToken(
  keys: KeyRing,
  user: { id: string } & ResetTokenAccount,
  expiresAtMs: number,
): string {
  const id = Buffer.from(user.id, 'utf8').toString('base64url');
  const expires = String(Math.floor(expiresAtMs / 1000));
  return `${id}.${expires}.${keys.sign(message(id, expires, user))}`;
}

/**
 * What a token claims, when it is well formed and its expiry is after `nowMs`; null otherwise.
 * Hostile input: never throws. The HMAC is checked by {@link ResetTokenClaim.madeFor}, against
 * the account as it is now.
 */
export function readResetToken(
  keys: KeyRing,
  token: string,
  nowMs: number,
): ResetTokenClaim | null {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return null;
  const [, id = '', expires = '', mac = ''] = match;
  const expiresAtMs = Number(expires) * 1000;
  if (expiresAtMs <= nowMs) return null;
  return {
    // The HMAC covers the id as written, so a second spelling of the same bytes is refused there.
    userId: Buffer.from(id, 'base64url').toString('utf8'),
    expiresAtMs,
    madeFor: (account) => {
      // Computed for an account with no stamp as well, so that it takes as long.
      const valid = keys.verify(message(id, expires, account), mac);
      return valid && account.credentialStamp !== '';
    },
  };
}

function message(id: string, expires: string, account: ResetTokenAccount): string {
  return `${PURPOSE}.${id}.${expires}.${account.credentialStamp}.${account.email}`;
}
