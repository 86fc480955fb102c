import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { SessionStore, UserStore } from 'latchkey';

/**
 * What the apps without authentication answer in place of the user: the same shape and length
 * as the user a Latchkey app registers (`logIn`), so that both send the same number of bytes.
 */
export const BARE_USER = {
  id: 'kfwratkfjrgsbroyqaywjfwqwy',
  email: 'bench-000000000000@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/**
 * The stores of a Latchkey app in the adapter benchmarks, imported by package name (dist/) as
 * an application would: `sqlite` in `LATCHKEY_DATA_DIR` (default `data`), or `memory`.
 */
export async function openBenchStores(
  kind: string,
): Promise<{ sessionStore: SessionStore; userStore: UserStore }> {
  if (kind === 'memory') {
    const { MemorySessionStore, MemoryUserStore } = await import('latchkey/stores/memory');
    return { sessionStore: new MemorySessionStore(), userStore: new MemoryUserStore() };
  }
  const { openSqliteStores } = await import('latchkey/stores/sqlite');
  const dataDir = process.env.LATCHKEY_DATA_DIR ?? 'data';
  mkdirSync(dataDir, { recursive: true });
  const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
  return { sessionStore: stores.sessions, userStore: stores.users };
}
