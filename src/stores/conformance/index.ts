import { describe } from 'node:test';

import { describeBindingTests } from './bindings.js';
import { describeConcurrencyTests } from './concurrency.js';
import { describeExpiryTests } from './expiry.js';
import { describeLargeCountTests } from './large-counts.js';
import { describeSessionTests } from './sessions.js';
import { describeThrottleTests } from './throttles.js';
import { describeUserTests } from './users.js';

import type { ConformanceStoreFactory } from './harness.js';

export type { ConformanceStoreFactory, ConformanceStores } from './harness.js';

/**
 * The store conformance suite: every `SessionStore` and `UserStore` (memory, SQLite, PostgreSQL,
 * Redis, or your own) must pass it. Registers `node:test` suites under `name`; call it at the
 * top level of a test file:
 *
 * ```ts
 * describeSessionStoreConformance('my store', async () => {
 *   const db = await connectToAFreshTestDatabase();
 *   return { sessions: new MySessionStore(db), users: new MyUserStore(db), close: () => db.end() };
 * });
 * ```
 *
 * `makeStores` is called once per test and must return empty stores; the suite calls `close`
 * after each test. Sessions reference users, so the suite inserts users first, as a store with
 * a foreign key requires. Times are fixed `Date`s far in the future: nothing sleeps, and a
 * store that expires keys by its own clock keeps them. Concurrent-write tests start several
 * calls before awaiting any, so a store must be safe under concurrency within one process
 * (and, for a shared database, across processes). Two tests insert 10,000 sessions, so give a
 * remote store a per-test timeout of a minute or so.
 *
 * Session bindings (`SessionRecord.binding`, `bindSession`) are optional: the binding tests are
 * skipped for a store without `bindSession`, and records it returns without a `binding` count
 * as unbound. A store with `bindSession` must keep bindings and return `binding: null` for an
 * unbound session.
 */
export function describeSessionStoreConformance(
  name: string,
  makeStores: ConformanceStoreFactory,
): void {
  void describe(`${name} conformance`, () => {
    describeSessionTests(makeStores);
    describeBindingTests(makeStores);
    describeExpiryTests(makeStores);
    describeThrottleTests(makeStores);
    describeUserTests(makeStores);
    describeConcurrencyTests(makeStores);
    describeLargeCountTests(makeStores);
  });
}
