import type { UserRecord } from '../../accounts/types.js';
import type { SessionBinding, SessionRecord } from '../../session/types.js';

/** One minute, in milliseconds. */
export const MINUTE_MS = 60_000;

/** One day, in milliseconds. */
export const DAY_MS = 24 * 60 * MINUTE_MS;

// A fixed instant with a non-zero millisecond part, so that a store that keeps whole seconds
// (or floating-point days) fails the round-trip checks. Far in the future, because a store
// that expires keys by its own clock (Redis) drops at once a record whose expiry has passed:
// the suite's "expired" records are expired only relative to the times it passes in.
const EPOCH_MS = Date.UTC(2100, 0, 2, 3, 4, 5, 678);

/** The fixed instant `offsetMs` milliseconds after the suite's reference time. */
export function at(offsetMs: number): Date {
  return new Date(EPOCH_MS + offsetMs);
}

/**
 * User number `n`: unique id and email, created `n` minutes after the reference time, enabled
 * (`disabledAt` null).
 */
export function makeUser(n: number, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: `user-${n}`,
    email: `user${n}@example.com`,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$notarealhash${n}`,
    createdAt: at(n * MINUTE_MS),
    disabledAt: null,
    ...overrides,
  };
}

/**
 * Session number `n` of `userId`: unique id and token hash (64 lowercase hex digits), created at
 * the reference time, idle expiry after 30 minutes, absolute expiry after one day, unbound
 * (`binding` null).
 */
export function makeSession(
  n: number,
  userId: string,
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    id: `session-${n}`,
    tokenHash: n.toString(16).padStart(64, '0'),
    userId,
    createdAt: at(0),
    lastSeenAt: at(0),
    idleExpiresAt: at(30 * MINUTE_MS),
    absoluteExpiresAt: at(DAY_MS),
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    binding: null,
    ...overrides,
  };
}

/**
 * Binding number `n`: an ES256 key (odd `n`) or an RS256 key (even `n`) whose members differ
 * with `n`, registered `n` minutes and some milliseconds after the reference time. The keys are
 * shaped like real JWKs but are not valid points or moduli: stores keep keys, never check them.
 */
export function makeBinding(n: number): SessionBinding {
  const filler = (length: number): string => `${String(n)}_`.repeat(length).slice(0, length);
  const publicKey: Record<string, string> =
    n % 2 === 1
      ? { kty: 'EC', crv: 'P-256', x: filler(43), y: filler(43) }
      : { kty: 'RSA', n: filler(342), e: 'AQAB' };
  return {
    algorithm: n % 2 === 1 ? 'ES256' : 'RS256',
    publicKey,
    boundAt: at(n * MINUTE_MS + 321),
  };
}
