import assert from 'node:assert/strict';

import type { UserStore } from '../../accounts/types.js';
import type { SessionRecord, SessionStore } from '../../session/types.js';

/** A fresh, empty pair of stores for one test, and how to release them afterwards. */
export interface ConformanceStores {
  sessions: SessionStore;
  users: UserStore;
  /** Releases whatever the factory opened (a connection, a temporary file). */
  close(): Promise<void>;
}

/** Makes a fresh, empty {@link ConformanceStores}; called once per test. */
export type ConformanceStoreFactory = () => Promise<ConformanceStores>;

/**
 * Runs `test` on fresh stores from `makeStores`, and closes them whether it passes or not. The
 * session store is handed over as it is when it can bind sessions (see
 * {@link withBindingDefault}).
 */
export async function withStores(
  makeStores: ConformanceStoreFactory,
  test: (stores: ConformanceStores) => Promise<void>,
): Promise<void> {
  const stores = await makeStores();
  try {
    await test({ ...stores, sessions: withBindingDefault(stores.sessions) });
  } finally {
    await stores.close();
  }
}

/**
 * Asserts that `promise` rejects with an error whose `code` is `code`. Errors are told apart by
 * their stable code, never by their message or by a string given to `assert.rejects`.
 */
export async function assertRejectsWithCode(
  promise: Promise<unknown>,
  code: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(typeof error === 'object' && error !== null && 'code' in error, 'error has a code');
    assert.equal(error.code, code);
    return true;
  });
}

/**
 * Asserts that `promise` rejects with an `Error`: what a store must do with a caller's bug (a
 * clashing id, a bad binding), where each store may say it its own way (its driver's error, a
 * `StoreUnavailableError`, a `TypeError`), but never with a non-error or by resolving.
 */
export async function assertRejectsAsFailure(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Error, `rejected with an Error, not ${String(error)}`);
    return true;
  });
}

/**
 * `sessions` itself when it implements `bindSession`. Otherwise a view of it whose records
 * read back with `binding: null` when they carry none: `SessionRecord.binding` is optional, and
 * a store written before bindings existed never sees one (the session manager binds only
 * through `bindSession`), so it passes the tests it passed before, and the binding tests are
 * skipped. A store with `bindSession` must return `binding: null` itself.
 */
export function withBindingDefault(sessions: SessionStore): SessionStore {
  if (sessions.bindSession !== undefined) return sessions;
  const fill = (record: SessionRecord): SessionRecord => ({
    ...record,
    binding: record.binding ?? null,
  });
  return {
    insertSession: (record) => sessions.insertSession(record),
    findSessionByTokenHash: async (tokenHash) => {
      const record = await sessions.findSessionByTokenHash(tokenHash);
      return record === null ? null : fill(record);
    },
    findSessionById: async (id) => {
      const record = await sessions.findSessionById(id);
      return record === null ? null : fill(record);
    },
    touchSession: (id, lastSeenAt, idleExpiresAt) =>
      sessions.touchSession(id, lastSeenAt, idleExpiresAt),
    replaceSession: (oldId, next) => sessions.replaceSession(oldId, next),
    deleteSession: (id) => sessions.deleteSession(id),
    deleteUserSessions: (userId) => sessions.deleteUserSessions(userId),
    listUserSessions: async (userId) => (await sessions.listUserSessions(userId)).map(fill),
    deleteExpiredSessions: (now, limit) => sessions.deleteExpiredSessions(now, limit),
    incrementThrottle: (key, now, expiresAt) => sessions.incrementThrottle(key, now, expiresAt),
    findThrottle: (key, now) => sessions.findThrottle(key, now),
    deleteThrottle: (key) => sessions.deleteThrottle(key),
    deleteExpiredThrottles: (now, limit) => sessions.deleteExpiredThrottles(now, limit),
  };
}
