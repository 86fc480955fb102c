import { AccountError } from '../../errors.js';
import { copyBinding, encodeBinding } from '../binding.js';
import { copySession, copyUser } from '../records.js';

import type { ExpectedUser, UserRecord, UserStore } from '../../accounts/types.js';
import type {
  SessionBinding,
  SessionRecord,
  SessionStore,
  ThrottleState,
} from '../../session/types.js';

/**
 * Sessions and throttle counters kept in this process's memory. For tests and single-process
 * experiments: everything is lost on restart and nothing is shared between processes, so a
 * throttle counts only the failures this process saw.
 */
export class MemorySessionStore implements SessionStore {
  readonly #byId = new Map<string, SessionRecord>();
  readonly #idByTokenHash = new Map<string, string>();
  readonly #throttles = new Map<string, ThrottleState>();

  insertSession(record: SessionRecord): Promise<void> {
    if (this.#byId.has(record.id) || this.#idByTokenHash.has(record.tokenHash)) {
      return Promise.reject(new Error('latchkey: duplicate session id or token hash'));
    }
    const refused = refuseBinding(record.binding);
    if (refused !== null) return Promise.reject(refused);
    this.#byId.set(record.id, copySession(record));
    this.#idByTokenHash.set(record.tokenHash, record.id);
    return Promise.resolve();
  }

  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const id = this.#idByTokenHash.get(tokenHash);
    return this.findSessionById(id ?? '');
  }

  findSessionById(id: string): Promise<SessionRecord | null> {
    const record = this.#byId.get(id);
    return Promise.resolve(record === undefined ? null : copySession(record));
  }

  touchSession(id: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    const record = this.#byId.get(id);
    if (record !== undefined && idleExpiresAt > record.idleExpiresAt) {
      record.lastSeenAt = new Date(lastSeenAt);
      record.idleExpiresAt = new Date(idleExpiresAt);
    }
    return Promise.resolve();
  }

  /**
   * See {@link SessionStore.replaceSession}. The old record's binding is read and carried over
   * in the same synchronous step as the swap, so no bind can land in between.
   */
  replaceSession(oldId: string, next: SessionRecord): Promise<boolean> {
    const old = this.#byId.get(oldId);
    if (old === undefined) return Promise.resolve(false);
    // Check before removing: a new record that cannot be stored must leave the old one in place.
    const idOwner = this.#byId.has(next.id) ? next.id : oldId;
    const tokenHashOwner = this.#idByTokenHash.get(next.tokenHash) ?? oldId;
    if (idOwner !== oldId || tokenHashOwner !== oldId) {
      return Promise.reject(new Error('latchkey: duplicate session id or token hash'));
    }
    const refused = refuseBinding(next.binding);
    if (refused !== null) return Promise.reject(refused);
    const binding = next.binding ?? old.binding ?? null;
    this.#remove(oldId);
    return this.insertSession({ ...next, binding }).then(() => true);
  }

  deleteSession(id: string): Promise<void> {
    this.#remove(id);
    return Promise.resolve();
  }

  deleteUserSessions(userId: string): Promise<number> {
    let deleted = 0;
    for (const record of [...this.#byId.values()]) {
      if (record.userId === userId) {
        this.#remove(record.id);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  listUserSessions(userId: string): Promise<SessionRecord[]> {
    const sessions = [...this.#byId.values()]
      .filter((record) => record.userId === userId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map(copySession);
    return Promise.resolve(sessions);
  }

  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    for (const record of [...this.#byId.values()]) {
      if (deleted >= limit) break;
      if (record.idleExpiresAt <= now || record.absoluteExpiresAt <= now) {
        this.#remove(record.id);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  /** See {@link SessionStore.bindSession}. A binding the other stores could not keep rejects. */
  bindSession(id: string, binding: SessionBinding): Promise<boolean> {
    const refused = refuseBinding(binding);
    if (refused !== null) return Promise.reject(refused);
    // Check and set happen in one synchronous step, so of two concurrent calls one sets it.
    const record = this.#byId.get(id);
    if (record === undefined || (record.binding ?? null) !== null) return Promise.resolve(false);
    record.binding = copyBinding(binding);
    return Promise.resolve(true);
  }

  incrementThrottle(key: string, now: Date, expiresAt: Date): Promise<ThrottleState> {
    // Read and write happen in one synchronous step, so concurrent calls cannot lose a count.
    const current = this.#throttles.get(key);
    const live = current !== undefined && current.expiresAt > now;
    const next: ThrottleState = {
      key,
      failures: live ? current.failures + 1 : 1,
      lastFailureAt: new Date(now),
      expiresAt: new Date(expiresAt),
    };
    this.#throttles.set(key, next);
    return Promise.resolve(copyThrottle(next));
  }

  findThrottle(key: string, now: Date): Promise<ThrottleState | null> {
    const state = this.#throttles.get(key);
    const live = state !== undefined && state.expiresAt > now;
    return Promise.resolve(live ? copyThrottle(state) : null);
  }

  deleteThrottle(key: string): Promise<void> {
    this.#throttles.delete(key);
    return Promise.resolve();
  }

  deleteExpiredThrottles(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    for (const state of [...this.#throttles.values()]) {
      if (deleted >= limit) break;
      if (state.expiresAt <= now) {
        this.#throttles.delete(state.key);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  #remove(id: string): void {
    const record = this.#byId.get(id);
    if (record === undefined) return;
    this.#byId.delete(id);
    this.#idByTokenHash.delete(record.tokenHash);
  }
}

/**
 * User accounts kept in this process's memory. For tests. It cannot reach the session store, so
 * deleting a user leaves their sessions in place: callers end them through the session store.
 */
export class MemoryUserStore implements UserStore {
  readonly #byId = new Map<string, UserRecord>();

  insertUser(record: UserRecord): Promise<void> {
    if (this.#byId.has(record.id)) {
      return Promise.reject(new Error('latchkey: duplicate user id'));
    }
    for (const existing of this.#byId.values()) {
      if (existing.email === record.email) {
        return Promise.reject(new AccountError('EMAIL_TAKEN', 'this email is already registered'));
      }
    }
    this.#byId.set(record.id, copyUser(record));
    return Promise.resolve();
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    for (const record of this.#byId.values()) {
      if (record.email === email) return Promise.resolve(copyUser(record));
    }
    return Promise.resolve(null);
  }

  findUserById(id: string): Promise<UserRecord | null> {
    const record = this.#byId.get(id);
    return Promise.resolve(record === undefined ? null : copyUser(record));
  }

  listUsers(): Promise<UserRecord[]> {
    const users = [...this.#byId.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
    return Promise.resolve(users.map(copyUser));
  }

  updatePasswordHash(
    id: string,
    passwordHash: string,
    expected?: Pick<ExpectedUser, 'passwordHash'>,
  ): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return Promise.resolve(false);
    if (expected !== undefined && record.passwordHash !== expected.passwordHash) {
      return Promise.resolve(false);
    }
    record.passwordHash = passwordHash;
    return Promise.resolve(true);
  }

  updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return Promise.resolve(false);
    if (
      expected !== undefined &&
      (record.email !== expected.email || record.passwordHash !== expected.passwordHash)
    ) {
      return Promise.resolve(false);
    }
    for (const existing of this.#byId.values()) {
      if (existing !== record && existing.email === email) {
        return Promise.reject(new AccountError('EMAIL_TAKEN', 'this email is already registered'));
      }
    }
    record.email = email;
    return Promise.resolve(true);
  }

  setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return Promise.resolve(false);
    record.disabledAt = disabledAt === null ? null : new Date(disabledAt);
    return Promise.resolve(true);
  }

  deleteUser(id: string, expected?: Pick<ExpectedUser, 'passwordHash'>): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return Promise.resolve(false);
    if (expected !== undefined && record.passwordHash !== expected.passwordHash) {
      return Promise.resolve(false);
    }
    return Promise.resolve(this.#byId.delete(id));
  }
}

function copyThrottle(state: ThrottleState): ThrottleState {
  return {
    ...state,
    lastFailureAt: new Date(state.lastFailureAt),
    expiresAt: new Date(state.expiresAt),
  };
}

/**
 * The error for a binding the other stores could not store and read back (see
 * `encodeBinding`), or null when there is none or it is fine: the memory store refuses what
 * they refuse, so that tests on it catch the same mistakes.
 */
function refuseBinding(binding: SessionBinding | null | undefined): TypeError | null {
  if (binding === null || binding === undefined) return null;
  try {
    encodeBinding(binding);
    return null;
  } catch (error) {
    return error as TypeError;
  }
}
