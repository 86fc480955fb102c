import { copyBinding } from './binding.js';

import type { UserRecord } from '../accounts/types.js';
import type { SessionRecord } from '../session/types.js';

/**
 * A session record of its own (new dates, a copied binding): what a store that keeps records in
 * memory hands out and takes in, so that no caller shares its state.
 */
export function copySession(record: SessionRecord): SessionRecord {
  return {
    ...record,
    createdAt: new Date(record.createdAt),
    lastSeenAt: new Date(record.lastSeenAt),
    idleExpiresAt: new Date(record.idleExpiresAt),
    absoluteExpiresAt: new Date(record.absoluteExpiresAt),
    binding: copyBinding(record.binding),
  };
}

/** A user record of its own (new dates), for the same reason as {@link copySession}. */
export function copyUser(record: UserRecord): UserRecord {
  return {
    ...record,
    createdAt: new Date(record.createdAt),
    disabledAt: record.disabledAt === null ? null : new Date(record.disabledAt),
  };
}
