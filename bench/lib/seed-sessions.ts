// Seeds through the built package (dist/), as the servers under test run it, so that the
// schema and the stored shapes are theirs whatever src/ holds at the moment.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { hashPassword } from 'latchkey/password';
import { openSqliteStores } from 'latchkey/stores/sqlite';
import {
  encodeBase32LowerCaseNoPadding,
  hashToken,
  ID_BYTES,
  SESSION_TOKEN_BYTES,
} from 'latchkey/token';

import type { SessionRecord } from 'latchkey/session';
import type { RequestVariation } from './http-load.js';
import type { SqliteStores } from 'latchkey/stores/sqlite';

/** Options for {@link seedSessions}. */
export interface SeedOptions {
  /** Sessions to insert. */
  sessions: number;
  /**
   * `live`: in use, ending a day after they were last seen (and at most 14 days after they
   * began). `expired`: ended at times spread over the past 14 days, for a sweep to delete.
   */
  state: 'live' | 'expired';
  /** Sessions per user; `sessions / sessionsPerUser` users are created first. Default: 4. */
  sessionsPerUser?: number;
  /** Keeps the tokens (for live sessions that a load will present). Default: false. */
  keepTokens?: boolean;
  /** Starts the users' emails, so that two seeds of one database do not clash. */
  label: string;
  /** Rows per transaction. Default: 10,000. */
  rowsPerTransaction?: number;
}

/** What {@link seedSessions} inserted. */
export interface SeededSessions {
  /** The live sessions' tokens (empty unless `keepTokens`). */
  tokens: string[];
  users: number;
  sessions: number;
  /** How long the inserts took, including generating tokens and hashes. Unit: seconds. */
  seconds: number;
}

const DAY_MS = 86_400_000;
// A live session was "last seen" an hour ahead of the clock, so that no sliding renewal (one
// write per session per minute) falls due while a benchmark runs: they measure lookups, and
// bench/stores.ts measures renewals.
const LAST_SEEN_AHEAD_MS = 3_600_000;

/**
 * Inserts users and sessions into the SQLite database at `path` (created and migrated if need
 * be) through Latchkey's own stores, a transaction per batch of rows, on a connection of its
 * own that is closed (after a WAL checkpoint) before this returns. Tokens and ids have the
 * shape `generateSessionToken` and `generateId` give them, and the store keeps `hashToken` of
 * each token, as a login would.
 */
export async function seedSessions(path: string, options: SeedOptions): Promise<SeededSessions> {
  const started = performance.now();
  const perUser = options.sessionsPerUser ?? 4;
  const batch = options.rowsPerTransaction ?? 10_000;
  const userCount = Math.max(1, Math.ceil(options.sessions / perUser));
  const stores = openSqliteStores(path);
  const tokens: string[] = [];
  try {
    // A page cache for this connection only that holds the whole file (1 GiB; negative means
    // KiB), so that a transaction never spills: the servers and the lookups under test open
    // their own connections, with SQLite's default.
    stores.database.pragma('cache_size = -1048576');
    const random = new RandomSource();
    // Users never log in here: one real Argon2id hash serves them all.
    const passwordHash = await hashPassword('seeded users never log in');
    const now = Date.now();

    const userIds = await insertUsers(stores, {
      count: userCount,
      label: options.label,
      passwordHash,
      random,
      batch,
      now,
    });

    const insertSessions = stores.database.transaction((from: number, to: number) => {
      const pending: Promise<void>[] = [];
      for (let index = from; index < to; index += 1) {
        const token = random.token();
        if (options.keepTokens === true) tokens.push(token);
        const record = sessionRecord(options.state, now, random.id(), userIds[index % userCount]!);
        pending.push(stores.sessions.insertSession({ ...record, tokenHash: hashToken(token) }));
      }
      return pending;
    });
    for (let from = 0; from < options.sessions; from += batch) {
      await Promise.all(insertSessions(from, Math.min(from + batch, options.sessions)));
    }
    stores.database.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await stores.close();
  }
  return {
    tokens,
    users: userCount,
    sessions: options.sessions,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Inserts `count` users who can log in, all with the password `password` (one Argon2id hash,
 * made by `hashPassword` with the default parameters, serves them all: each login still verifies
 * it in full), emails `<label>-<n>@example.com`. Returns the emails, in order.
 */
export async function seedAccounts(
  path: string,
  options: { count: number; password: string; label: string },
): Promise<string[]> {
  const stores = openSqliteStores(path);
  try {
    await insertUsers(stores, {
      count: options.count,
      label: options.label,
      passwordHash: await hashPassword(options.password),
      random: new RandomSource(),
      batch: 10_000,
      now: Date.now(),
    });
  } finally {
    await stores.close();
  }
  return Array.from({ length: options.count }, (_, index) => userEmail(options.label, index));
}

function userEmail(label: string, index: number): string {
  return `${label}-${index}@example.com`;
}

/** Inserts users in transactions of `batch` rows; returns their ids in order. */
async function insertUsers(
  stores: SqliteStores,
  options: {
    count: number;
    label: string;
    passwordHash: string;
    random: RandomSource;
    batch: number;
    now: number;
  },
): Promise<string[]> {
  const userIds: string[] = [];
  const insert = stores.database.transaction((from: number, to: number) => {
    const pending: Promise<void>[] = [];
    for (let index = from; index < to; index += 1) {
      const id = options.random.id();
      userIds.push(id);
      pending.push(
        stores.users.insertUser({
          id,
          email: userEmail(options.label, index),
          passwordHash: options.passwordHash,
          createdAt: new Date(options.now - 30 * DAY_MS),
          disabledAt: null,
        }),
      );
    }
    return pending;
  });
  for (let from = 0; from < options.count; from += options.batch) {
    // The store's methods run synchronously inside the transaction; their promises only carry
    // the outcome, checked here.
    await Promise.all(insert(from, Math.min(from + options.batch, options.count)));
  }
  return userIds;
}

/** A session's times for its state, spread at random; the token hash is the caller's. */
function sessionRecord(
  state: 'live' | 'expired',
  now: number,
  id: string,
  userId: string,
): Omit<SessionRecord, 'tokenHash'> {
  if (state === 'live') {
    // Began up to 12 days ago: with a 14-day absolute lifetime, live for two more days at least.
    const createdAt = now - Math.random() * 12 * DAY_MS;
    const lastSeenAt = now + LAST_SEEN_AHEAD_MS;
    return {
      id,
      userId,
      createdAt: new Date(createdAt),
      lastSeenAt: new Date(lastSeenAt),
      idleExpiresAt: new Date(lastSeenAt + DAY_MS),
      absoluteExpiresAt: new Date(createdAt + 14 * DAY_MS),
      userAgent: 'Mozilla/5.0 (bench)',
    };
  }
  // Left idle: ended a day after it was last seen, at some time in the past 14 days.
  const idleExpiresAt = now - 1_000 - Math.random() * 14 * DAY_MS;
  const lastSeenAt = idleExpiresAt - DAY_MS;
  const createdAt = lastSeenAt - Math.random() * 12 * DAY_MS;
  return {
    id,
    userId,
    createdAt: new Date(createdAt),
    lastSeenAt: new Date(lastSeenAt),
    idleExpiresAt: new Date(idleExpiresAt),
    absoluteExpiresAt: new Date(createdAt + 14 * DAY_MS),
    userAgent: 'Mozilla/5.0 (bench)',
  };
}

/**
 * Random tokens and ids of the same shape as `generateSessionToken` (32 bytes, unpadded
 * base64url) and `generateId` (16 bytes, lowercase base32), cut from one large read of the
 * CSPRNG instead of a system call each: a million of each costs a second instead of nine.
 */
class RandomSource {
  #pool = Buffer.alloc(0);
  #offset = 0;

  token(): string {
    return this.#take(SESSION_TOKEN_BYTES).toString('base64url');
  }

  id(): string {
    return encodeBase32LowerCaseNoPadding(this.#take(ID_BYTES));
  }

  #take(bytes: number): Buffer {
    if (this.#offset + bytes > this.#pool.length) {
      this.#pool = randomBytes(1 << 20);
      this.#offset = 0;
    }
    const slice = this.#pool.subarray(this.#offset, this.#offset + bytes);
    this.#offset += bytes;
    return slice;
  }
}

/** The server's session cookie name by default (Secure on, so with the `__Host-` prefix). */
export const SESSION_COOKIE_NAME = '__Host-auth_token';

/**
 * What each next request of a load carries: the cookie of a seeded session picked at random,
 * so that the load reaches every session alike and no cache holds more than its share.
 */
export function sessionRequests(tokens: readonly string[]): () => RequestVariation {
  if (tokens.length === 0) throw new Error('sessionRequests: no tokens (seed with keepTokens)');
  return () => {
    const token = tokens[Math.floor(Math.random() * tokens.length)]!;
    return { headers: { cookie: `${SESSION_COOKIE_NAME}=${token}` } };
  };
}

/** Before a load is timed: one seeded session must be let in (200) at `url`. */
export async function checkSeededSession(url: string, token: string): Promise<void> {
  const response = await fetch(`${url}/api/secure-data`, {
    headers: { cookie: `${SESSION_COOKIE_NAME}=${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`a seeded session answered ${response.status}: ${text.slice(0, 300)}`);
  }
}
