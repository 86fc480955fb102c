import assert from 'node:assert/strict';

import type { UserStore } from '../../accounts/types.js';
import type { SessionStore } from '../../session/types.js';

/** A fresh, empty pair of stores for one test, and how to release them afterwards. */
export interface ConformanceStores {
  sessions: SessionStore;
  users: UserStore;
  /** Releases whatever the factory opened (a connection, a temporary file). */
  close(): Promise<void>;
}

/** Makes a fresh, empty {@link ConformanceStores}; called once per test. */
export type ConformanceStoreFactory = () => Promise<ConformanceStores>;

/** Runs `test` on fresh stores from `makeStores`, and closes them whether it passes or not. */
export async function withStores(
  makeStores: ConformanceStoreFactory,
  test: (stores: ConformanceStores) => Promise<void>,
): Promise<void> {
  const stores = await makeStores();
  try {
    await test(stores);
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
