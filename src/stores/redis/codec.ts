import { decodeBinding, encodeBinding } from '../binding.js';

import type { UserRecord } from '../../accounts/types.js';
import type { SessionRecord, ThrottleState } from '../../session/types.js';

/**
 * The ten script arguments that write a session (see `writeSession` in lua-sessions.ts): the
 * fields, then the user agent as text and a flag saying whether it is present, so that a null
 * user agent and an empty one stay apart, then the binding's stored JSON (see binding.ts), or
 * '' when the session is unbound. Throws a TypeError for a binding that could not be read back.
 */
export function sessionArgs(record: SessionRecord): string[] {
  return [
    record.id,
    record.tokenHash,
    record.userId,
    millis(record.createdAt),
    millis(record.lastSeenAt),
    millis(record.idleExpiresAt),
    millis(record.absoluteExpiresAt),
    record.userAgent ?? '',
    record.userAgent === null ? '0' : '1',
    record.binding === null || record.binding === undefined ? '' : encodeBinding(record.binding),
  ];
}

/**
 * The session in a reply holding the values of SESSION_FIELDS, or null when the first (the id)
 * is null: the hash does not exist. Throws on anything else malformed, a binding included: a
 * binding that cannot be read is a failure, never "unbound".
 */
export function decodeSession(reply: unknown): SessionRecord | null {
  const [id, tokenHash, userId, created, lastSeen, idle, absolute, userAgent, binding] = strings(
    reply,
    9,
  );
  if (id === null || id === undefined) return null;
  return {
    id,
    tokenHash: required(tokenHash),
    userId: required(userId),
    createdAt: time(created),
    lastSeenAt: time(lastSeen),
    idleExpiresAt: time(idle),
    absoluteExpiresAt: time(absolute),
    userAgent: userAgent ?? null,
    binding: binding === null || binding === undefined ? null : decodeBinding(binding),
  };
}

/** The hash fields of a user, in the order {@link decodeUser} reads them. */
export const USER_FIELDS = ['id', 'email', 'ph', 'c', 'd'] as const;

/** The user in a reply holding the values of {@link USER_FIELDS}, or null when there is none. */
export function decodeUser(reply: unknown): UserRecord | null {
  const [id, email, passwordHash, created, disabled] = strings(reply, 5);
  if (id === null || id === undefined) return null;
  return {
    id,
    email: required(email),
    passwordHash: required(passwordHash),
    createdAt: time(created),
    disabledAt: disabled === null ? null : time(disabled),
  };
}

/** The hash fields of a throttle counter, in the order {@link decodeThrottle} reads them. */
export const THROTTLE_FIELDS = ['f', 'l', 'e'] as const;

/** The counter under `key` in a reply holding {@link THROTTLE_FIELDS}, or null when none. */
export function decodeThrottle(key: string, reply: unknown): ThrottleState | null {
  const [failures, lastFailure, expires] = strings(reply, 3);
  if (failures === null) return null;
  return {
    key,
    failures: integer(failures),
    lastFailureAt: time(lastFailure),
    expiresAt: time(expires),
  };
}

/** A time as the decimal string of its milliseconds since the epoch. */
export function millis(date: Date): string {
  return String(date.getTime());
}

/** A reply that must be a string (a bulk string, or a Lua string). */
export function asString(reply: unknown): string {
  if (typeof reply === 'string') return reply;
  throw new Error('latchkey: unexpected reply from Redis (expected a string)');
}

/** A reply that must be an array. */
export function asArray(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply as unknown[];
  throw new Error('latchkey: unexpected reply from Redis (expected an array)');
}

/** A reply that must be a whole number (an integer reply, or its decimal string). */
export function integer(reply: unknown): number {
  const value = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new Error('latchkey: unexpected reply from Redis (expected an integer)');
}

function strings(reply: unknown, length: number): (string | null)[] {
  const values = asArray(reply);
  if (values.length !== length || !values.every((v) => v === null || typeof v === 'string')) {
    throw new Error('latchkey: malformed record in Redis');
  }
  return values;
}

function required(value: string | null | undefined): string {
  if (typeof value === 'string') return value;
  throw new Error('latchkey: malformed record in Redis (a field is missing)');
}

function time(value: string | null | undefined): Date {
  return new Date(integer(required(value)));
}
