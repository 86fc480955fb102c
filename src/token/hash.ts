import { hash } from 'node:crypto';

/**
 * SHA-256 of a session token, as 64 lowercase hex characters. This is what stores keep: a
 * token has 256 bits of entropy, so a fast unsalted hash is enough to make a leaked table
 * useless (nothing to brute-force), unlike a password, which needs Argon2id.
 */
export function hashToken(token: string): string {
  // The one-shot crypto.hash (Node 20.12) is about three times as fast as a Hash object, and
  // this runs on every authenticated request.
  return hash('sha256', token, 'hex');
}

/**
 * Compares two strings in time that depends only on their lengths, not on where they first
 * differ. Returns false for different lengths (a length is not a secret here: every token and
 * hash Latchkey compares has a fixed length).
 *
 * Every UTF-16 code unit is compared, with no early exit. It runs on every authenticated
 * request; converting both strings to buffers for `crypto.timingSafeEqual` cost more than the
 * comparison itself.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}
