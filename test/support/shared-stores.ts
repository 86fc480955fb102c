import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import pg from 'pg';

import { makeSession } from '../../src/stores/conformance/fixtures.js';

import type { SessionRecord } from '../../src/session/types.js';

/** Where the conformance tests find PostgreSQL: `LATCHKEY_TEST_POSTGRES_URL`, else this. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Where the conformance tests find Redis: `LATCHKEY_TEST_REDIS_URL`, else this. */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** How long the availability probes wait for a server before calling it unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * A name no other run uses, for a PostgreSQL schema or a Redis key prefix on a shared server:
 * `latchkey_test_<pid>_<12 hex digits>`. Lower case, digits and `_` only, so it is a plain SQL
 * identifier and holds no glob character.
 */
export function uniqueTestName(): string {
  return `latchkey_test_${String(process.pid)}_${randomBytes(6).toString('hex')}`;
}

/**
 * The shared PostgreSQL, if it answers `SELECT 1`. When it does not, the tests are skipped
 * with a message on a developer's machine, and fail in CI (`CI=true`), where a skipped store
 * test would hide a broken promise.
 */
export async function findPostgres(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.LATCHKEY_TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    return unavailable('PostgreSQL', url, 'LATCHKEY_TEST_POSTGRES_URL', error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The shared Redis, if it answers PING; skipped or failed as {@link findPostgres} says. */
export async function findRedis(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.LATCHKEY_TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the reason comes as an event.
  let reason: unknown;
  client.on('error', (error) => {
    reason = error;
  });
  try {
    await client.connect();
    await client.ping();
    return { url };
  } catch (error) {
    return unavailable('Redis', url, 'LATCHKEY_TEST_REDIS_URL', reason ?? error);
  } finally {
    client.disconnect();
  }
}

function unavailable(
  what: string,
  url: string,
  variable: string,
  error: unknown,
): { skip: string } {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `${what} not reachable at ${redact(url)} (${reason}; set ${variable})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: skipped.` };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Most SCAN rounds {@link deleteKeysWithPrefix} runs: a bound on the loop. */
const MAX_SCAN_ROUNDS = 100_000;

/**
 * Deletes every key that starts with `<prefix>:` (and nothing else) from a shared Redis, with
 * SCAN and UNLINK: never FLUSHDB. The prefix must hold no glob character (`*?[]\`), as
 * {@link uniqueTestName}'s never do. Returns how many keys were deleted.
 */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  if (/[*?[\]\\]/.test(prefix)) throw new Error(`refusing to scan for a glob prefix: ${prefix}`);
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < MAX_SCAN_ROUNDS; round += 1) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await client.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

/** Runs `test` on stores made for it alone, and closes them after it, passed or failed. */
export async function withStores<T extends { close(): Promise<void> }>(
  make: () => T,
  test: (stores: T) => Promise<void>,
): Promise<void> {
  const stores = make();
  try {
    await test(stores);
  } finally {
    await stores.close();
  }
}

const HOUR_MS = 3_600_000;

/**
 * Session `n` of `userId` (see `makeSession`) live on the store's own clock: created now, idle
 * for an hour, absolute for a day, as a server would write it to a store that expires keys.
 */
export function liveSession(
  n: number,
  userId = 'user-1',
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  const now = Date.now();
  return makeSession(n, userId, {
    createdAt: new Date(now),
    lastSeenAt: new Date(now),
    idleExpiresAt: new Date(now + HOUR_MS),
    absoluteExpiresAt: new Date(now + 24 * HOUR_MS),
    ...overrides,
  });
}
