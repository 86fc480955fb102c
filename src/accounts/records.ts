import { hash } from 'node:crypto';

import type { User, UserRecord } from './types.js';

// Stored users as Accounts hands them out.

/**
 * A fingerprint of a password hash (`Accounts.credentialStamp`): a truncated SHA-256 that
 * reveals nothing of the hash, and changes whenever the hash does.
 */
export function stampOf(passwordHash: string): string {
  return hash('sha256', `latchkey.credential.v1.${passwordHash}`, 'base64url').slice(0, 22);
}

/** The public shape of a stored user: everything but the password hash. */
export function toUser(record: UserRecord): User {
  return {
    id: record.id,
    email: record.email,
    createdAt: new Date(record.createdAt),
    disabledAt: record.disabledAt === null ? null : new Date(record.disabledAt),
  };
}
