import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a session token: 256 bits, twice the 128-bit floor of OWASP ASVS. */
export const SESSION_TOKEN_BYTES = 32;

/** Length of a session token in characters: 32 bytes in unpadded base64url. */
export const SESSION_TOKEN_LENGTH = 43;

/** Bytes of randomness in a public identifier (session or user id): 128 bits. */
export const ID_BYTES = 16;

// RFC 4648 section 4, URL- and filename-safe alphabet, no padding: 32 bytes give 43 characters,
// and the last character carries only 4 bits, so it is one of 16 letters.
const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * A new session token: 256 bits from the operating system's CSPRNG, encoded as unpadded
 * base64url (RFC 4648 section 5), 43 characters, safe in a cookie value without quoting.
 * It goes to the client only; stores keep `hashToken(token)`.
 */
export function generateSessionToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
}

/**
 * Whether `value` has the exact shape of a token from {@link generateSessionToken}. Lets callers
 * refuse junk (wrong length, other alphabet) before touching the store. Never throws.
 */
export function isWellFormedSessionToken(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === SESSION_TOKEN_LENGTH &&
    SESSION_TOKEN_PATTERN.test(value)
  );
}

/**
 * A new public identifier: 128 random bits as 26 characters of lowercase base32
 * (RFC 4648 section 6 alphabet, no padding). Safe in URLs, logs and file names; says nothing
 * about the token it sits beside.
 */
export function generateId(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(ID_BYTES));
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lowercase RFC 4648 base32 without padding. */
export function encodeBase32LowerCaseNoPadding(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >>> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}
