import { randomBase64url } from '../token/random.js';

import type { KeyRing } from '../token/keyring.js';

// Domain separation: a MAC made for anything else Latchkey signs can never pass as a CSRF token.
const PURPOSE = 'latchkey.csrf.v1';
const NONCE_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/**
 * A new CSRF token for a session: a random nonce and an HMAC-SHA-256 over the session id and
 * the nonce. Stateless (nothing is stored) and bound to the session: a token read from another
 * session, or made without the server's secret, does not verify.
 * A fresh nonce each time means no two responses carry the same token, so compression side
 * channels (BREACH) learn nothing. It is valid for as long as the session keeps its id.
 */
export function issueCsrfToken(keys: KeyRing, sessionId: string): string {
  const nonce = randomBase64url(NONCE_BYTES);
  return `${nonce}.${keys.sign(`${PURPOSE}.${sessionId}.${nonce}`)}`;
}

/** Whether `token` was issued for this session id by a current or previous secret. */
export function verifyCsrfToken(keys: KeyRing, sessionId: string, token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const [nonce = '', mac = ''] = token.split('.');
  return keys.verify(`${PURPOSE}.${sessionId}.${nonce}`, mac);
}
