import type { KeyRing } from '../token/keyring.js';

/**
 * Password reset tokens: what a reset link carries, `<user id>.<expiry>.<HMAC>`, the id in
 * base64url and the expiry in seconds since the epoch. The HMAC (under the server's secrets)
 * covers the id, the expiry and the account's credential stamp (a fingerprint of its password
 * hash) as it was when the token was made. Nothing is stored: once the password changes, by
 * this reset or any other way, the stamp moves on and every token made before is void, so a
 * token works once. A disabled or deleted account has no stamp, and no token for it works.
 */

const PURPOSE = 'latchkey.password-reset.v1';

/** Longest lifetime a reset token may be given. Unit: seconds. 7 days. */
export const RESET_TOKEN_MAX_LIFETIME_SECONDS = 7 * 86_400;

/** A reset token's default lifetime. Unit: seconds. 1 hour. */
export const RESET_TOKEN_DEFAULT_LIFETIME_SECONDS = 3_600;

// base64url id, decimal seconds, 43-character base64url HMAC-SHA-256.
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{1,172})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** A token that is well formed and not yet expired; its HMAC is checked against a stamp. */
export interface ResetTokenClaim {
  userId: string;
  expiresAtMs: number;
  /** Whether the token was made for the account while its credential stamp was `stamp`. */
  madeUnder(stamp: string): boolean;
}

/**
 * A reset token for the user with this id and credential stamp (`Accounts.credentialStampOf`),
 * valid until `expiresAtMs` (rounded down to the second).
 */
export function issueResetToken(
  keys: KeyRing,
  user: { id: string; credentialStamp: string },
  expiresAtMs: number,
): string {
  const id = Buffer.from(user.id, 'utf8').toString('base64url');
  const expires = String(Math.floor(expiresAtMs / 1000));
  return `${id}.${expires}.${keys.sign(message(id, expires, user.credentialStamp))}`;
}

/**
 * What a token claims, when it is well formed and its expiry is after `nowMs`; null otherwise.
 * Hostile input: never throws. The HMAC is checked by {@link ResetTokenClaim.madeUnder}, against
 * the account's stamp as it is now.
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
  const userId = Buffer.from(id, 'base64url').toString('utf8');
  // A base64url text that does not round-trip is not one this module wrote.
  if (Buffer.from(userId, 'utf8').toString('base64url') !== id) return null;
  return {
    userId,
    expiresAtMs,
    madeUnder: (stamp) => stamp !== '' && keys.verify(message(id, expires, stamp), mac),
  };
}

function message(id: string, expires: string, stamp: string): string {
  return `${PURPOSE}.${id}.${expires}.${stamp}`;
}
