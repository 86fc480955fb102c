import { hashToken } from '../token/hash.js';
import { randomBase64url } from '../token/random.js';

import type { KeyRing } from '../token/keyring.js';

/** What a challenge is for: the first proof (registration) or a later one (refresh). */
export type ChallengePurpose = 'register' | 'refresh';

/** A challenge that verified: the session it was issued for, and when it stops being good. */
export interface IssuedChallenge {
  sessionId: string;
  purpose: ChallengePurpose;
  expiresAt: number;
}

// Domain separation: no other MAC Latchkey makes can pass as a challenge.
const PURPOSE = 'latchkey.dbsc.challenge.v1';
const NONCE_BYTES = 16;
const PATTERN =
  /^(register|refresh)\.([a-z2-7]{26})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * A challenge for a browser to sign: the purpose, the session id, an expiry, a random nonce
 * and an HMAC-SHA-256 over them. Checking it needs no storage; that it is used once is
 * recorded separately (see {@link challengeUseKey}).
 *
 * The session id in it is the public one (as listed at `GET /auth/sessions`), never a token.
 */
export function issueChallenge(
  keys: KeyRing,
  sessionId: string,
  purpose: ChallengePurpose,
  expiresAtMs: number,
): string {
  const expires = Math.ceil(expiresAtMs / 1000).toString(36);
  const nonce = randomBase64url(NONCE_BYTES);
  const body = `${purpose}.${sessionId}.${expires}.${nonce}`;
  return `${body}.${keys.sign(`${PURPOSE}.${body}`)}`;
}

/**
 * The challenge's contents when it was issued by a current or previous secret and has not
 * expired at `nowMs`; otherwise null. Hostile input is simply null.
 */
export function readChallenge(
  keys: KeyRing,
  challenge: unknown,
  nowMs: number,
): IssuedChallenge | null {
  if (typeof challenge !== 'string' || challenge.length > 200) return null;
  const match = PATTERN.exec(challenge);
  if (match === null) return null;
  const [, purpose = '', sessionId = '', expires = '', nonce = '', mac = ''] = match;
  const body = `${purpose}.${sessionId}.${expires}.${nonce}`;
  if (!keys.verify(`${PURPOSE}.${body}`, mac)) return null;
  const expiresAt = Number.parseInt(expires, 36) * 1000;
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= nowMs) return null;
  return { sessionId, purpose: purpose as ChallengePurpose, expiresAt };
}

/**
 * The store key that marks a challenge as used. Markers live in the session store's counters
 * (`incrementThrottle`), which every store increments atomically: of two proofs carrying the
 * same challenge, on one server or several, only the first sees the count 1.
 */
export function challengeUseKey(challenge: string): string {
  return `dbsc:challenge:${hashToken(challenge)}`;
}
