import type { UserStore } from '../../src/accounts/types.js';
import type { SessionRecord, SessionStore } from '../../src/session/types.js';

/** The user the fault tests' store calls name. */
export const FAULT_USER = {
  id: 'user-fault',
  email: 'fault@example.com',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$notarealhash',
  createdAt: new Date(),
  disabledAt: null,
};

/** A session of {@link FAULT_USER}, live for an hour from now on the real clock. */
export function faultSession(n: number): SessionRecord {
  const now = Date.now();
  return {
    id: `session-fault-${String(n)}`,
    tokenHash: n.toString(16).padStart(64, 'f'),
    userId: FAULT_USER.id,
    createdAt: new Date(now),
    lastSeenAt: new Date(now),
    idleExpiresAt: new Date(now + 3_600_000),
    absoluteExpiresAt: new Date(now + 86_400_000),
    userAgent: null,
    binding: null,
  };
}

/**
 * One call of every `SessionStore` and `UserStore` method, by name. Each would answer (some
 * with a value, some with null or an empty list) if the store were up: a fault test checks
 * that none of them answers while it is down.
 */
export function everyStoreCall(
  sessions: SessionStore,
  users: UserStore,
): Array<[string, () => Promise<unknown>]> {
  const now = new Date();
  const later = new Date(Date.now() + 60_000);
  return [
    ['insertSession', () => sessions.insertSession(faultSession(99))],
    ['findSessionByTokenHash', () => sessions.findSessionByTokenHash(faultSession(1).tokenHash)],
    ['findSessionById', () => sessions.findSessionById(faultSession(1).id)],
    ['touchSession', () => sessions.touchSession(faultSession(1).id, now, later)],
    ['replaceSession', () => sessions.replaceSession(faultSession(1).id, faultSession(98))],
    ['deleteSession', () => sessions.deleteSession('session-missing')],
    ['deleteUserSessions', () => sessions.deleteUserSessions('user-missing')],
    ['listUserSessions', () => sessions.listUserSessions(FAULT_USER.id)],
    ['deleteExpiredSessions', () => sessions.deleteExpiredSessions(now, 10)],
    [
      'bindSession',
      () =>
        sessions.bindSession?.(faultSession(1).id, {
          algorithm: 'ES256',
          publicKey: { kty: 'EC', crv: 'P-256', x: 'fault-x', y: 'fault-y' },
          boundAt: now,
        }) ?? Promise.reject(new Error('the store has no bindSession')),
    ],
    ['incrementThrottle', () => sessions.incrementThrottle('login:fault', now, later)],
    ['findThrottle', () => sessions.findThrottle('login:fault', now)],
    ['deleteThrottle', () => sessions.deleteThrottle('login:missing')],
    ['deleteExpiredThrottles', () => sessions.deleteExpiredThrottles(now, 10)],
    ['insertUser', () => users.insertUser({ ...FAULT_USER, id: 'user-2', email: 'b@example.com' })],
    ['findUserByEmail', () => users.findUserByEmail(FAULT_USER.email)],
    ['findUserById', () => users.findUserById(FAULT_USER.id)],
    ['listUsers', () => users.listUsers()],
    ['updatePasswordHash', () => users.updatePasswordHash(FAULT_USER.id, '$argon2id$other')],
    ['setUserDisabled', () => users.setUserDisabled('user-missing', now)],
    ['deleteUser', () => users.deleteUser('user-missing')],
  ];
}

/** What a call came to: its value, or the error's code (or class name when it has none). */
export type Outcome = { value: unknown } | { code: string };

/** Settles `call`, returning what it came to and how long it took, in milliseconds. */
export async function timed(call: () => Promise<unknown>): Promise<[Outcome, number]> {
  const start = performance.now();
  try {
    const value = await call();
    return [{ value }, performance.now() - start];
  } catch (error) {
    const code =
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      typeof error.code === 'string'
        ? error.code
        : error instanceof Error
          ? error.name
          : 'unknown';
    return [{ code }, performance.now() - start];
  }
}
