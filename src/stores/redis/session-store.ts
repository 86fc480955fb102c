import { encodeBinding } from '../binding.js';
import { copySession } from '../records.js';
import { asArray, asString, decodeSession, integer, millis, sessionArgs } from './codec.js';
import { guard, refuseClientKeyPrefix, refuseSweepLimit } from './errors.js';
import { RedisKeys, parseSessionPointer } from './keys.js';
import { SessionLookups } from './lookups.js';
import { SESSION_FIELDS } from './lua-sessions.js';
import { scriptsFor } from './scripts.js';
import { sweepSessions } from './sweep.js';
import { RedisThrottles } from './throttles.js';
import { readHash } from './tracked-reads.js';

import type {
  SessionBinding,
  SessionRecord,
  SessionStore,
  ThrottleState,
} from '../../session/types.js';
import type { RedisClient, RedisScripts } from './scripts.js';
import type { TrackedReads } from './tracked-reads.js';

/** Options for {@link RedisSessionStore} and {@link RedisUserStore}. */
export interface RedisStoreOptions {
  /**
   * What every key starts with (`<keyPrefix>:...`, see keys.ts for the layout), so that several
   * deployments can share one Redis. Any non-empty text without `{` or `}`. Default `latchkey`.
   */
  keyPrefix?: string;
}

/** Sessions deleted per script call by deleteUserSessions: bounds how long one call blocks. */
const DELETE_CHUNK = 1000;

/** Most chunks one deleteUserSessions call runs (10 million sessions), so the loop is bounded. */
const MAX_DELETE_CHUNKS = 10_000;

/**
 * Sessions and throttle counters in Redis 7 or later, standalone or Cluster (see keys.ts for
 * the layout). Every session key expires by itself at the session's earliest expiry, moved
 * when the session is touched; rotation and renewal are Lua scripts on one user's hash slot.
 *
 * Redis drops keys by its own clock, so a session or counter whose expiry has passed may
 * already be gone when asked for: as the contract allows, expired records may or may not be
 * returned. Run Redis with `maxmemory-policy noeviction`: an evicted session logs its user out,
 * an evicted counter forgets failures. The client is shared and not owned; its settings bound
 * how long a call can take (see `DEFAULT_REDIS_OPTIONS`). Every failure rejects with
 * `StoreUnavailableError`, never with "not found".
 *
 * Unlike the SQL stores' foreign key, it does not check that a session's user exists, so that
 * it can also hold sessions for users kept elsewhere (an application's own database).
 */
export class RedisSessionStore implements SessionStore {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: RedisScripts;
  readonly #throttles: RedisThrottles;
  readonly #lookups: SessionLookups;
  readonly #reads: TrackedReads | null;

  /**
   * Throws `ConfigError` for a bad prefix or a client with ioredis's own `keyPrefix`. `reads`
   * keeps sessions in memory under Redis's client-side caching; {@link openRedisStores} gives
   * one.
   */
  constructor(
    client: RedisClient,
    options: RedisStoreOptions = {},
    reads: TrackedReads | null = null,
  ) {
    refuseClientKeyPrefix(client);
    this.#client = client;
    this.#reads = reads;
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#scripts = scriptsFor(client);
    this.#throttles = new RedisThrottles(client, this.#keys, this.#scripts);
    this.#lookups = new SessionLookups(client, this.#keys, this.#scripts);
  }

  insertSession(record: SessionRecord): Promise<void> {
    return guard('insertSession', async () => {
      // Encoded before anything is written, so that a binding it refuses leaves no lookups.
      const args = sessionArgs(record);
      const release = await this.#lookups.claim(record);
      try {
        await this.#scripts.createSession(this.#recordKeys(record), args);
      } catch (error) {
        await release();
        throw error;
      }
      await this.#lookups.index(record);
    });
  }

  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    return guard('findSessionByTokenHash', async () => {
      const kept = await this.#keptSession(tokenHash);
      if (kept !== null) return kept;
      const pointer = await this.#client.get(this.#keys.token(tokenHash));
      if (pointer === null) return null;
      const [userId, id] = parseSessionPointer(pointer);
      const record = await this.#read(userId, id, tokenHash);
      // The pointer may outlive its session and must never lead to another one.
      return record?.tokenHash === tokenHash ? record : null;
    });
  }

  findSessionById(id: string): Promise<SessionRecord | null> {
    return guard('findSessionById', async () => {
      const userId = await this.#client.get(this.#keys.sessionOwner(id));
      if (userId === null) return null;
      const record = await this.#read(userId, id);
      return record?.id === id ? record : null;
    });
  }

  touchSession(id: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    return guard('touchSession', async () => {
      const userId = await this.#client.get(this.#keys.sessionOwner(id));
      if (userId === null) return;
      const reply = asArray(
        await this.#scripts.touchSession(
          [this.#keys.session(userId, id)],
          [millis(lastSeenAt), millis(idleExpiresAt)],
        ),
      );
      const [expires, tokenHash] = reply;
      if (expires !== undefined) await this.#lookups.follow(id, asString(tokenHash), expires);
    });
  }

  /** See {@link SessionStore.bindSession}. A binding it could not read back rejects. */
  bindSession(id: string, binding: SessionBinding): Promise<boolean> {
    return guard('bindSession', async () => {
      const stored = encodeBinding(binding);
      const userId = await this.#client.get(this.#keys.sessionOwner(id));
      if (userId === null) return false;
      const reply = await this.#scripts.bindSession([this.#keys.session(userId, id)], [stored]);
      return integer(reply) === 1;
    });
  }

  /**
   * See {@link SessionStore.replaceSession}: the script that swaps the sessions also carries the
   * old binding over when `next` has none.
   */
  replaceSession(oldId: string, next: SessionRecord): Promise<boolean> {
    return guard('replaceSession', async () => {
      const userId = await this.#client.get(this.#keys.sessionOwner(oldId));
      if (userId === null) return false;
      const args = sessionArgs(next);
      const release = await this.#lookups.claim(next);
      let oldTokenHash: string;
      try {
        oldTokenHash = await this.#swap(userId, oldId, next, args);
      } catch (error) {
        await release();
        throw error;
      }
      if (oldTokenHash === '') {
        await release();
        return false;
      }
      await Promise.all([
        this.#lookups.forget(userId, oldId, oldTokenHash),
        this.#lookups.index(next),
      ]);
      return true;
    });
  }

  deleteSession(id: string): Promise<void> {
    return guard('deleteSession', async () => {
      const userId = await this.#client.get(this.#keys.sessionOwner(id));
      if (userId === null) return;
      const [tokenHash] = asArray(
        await this.#scripts.takeSession(
          [this.#keys.session(userId, id), this.#keys.userSessions(userId)],
          [id],
        ),
      );
      await this.#lookups.forget(userId, id, asString(tokenHash));
    });
  }

  deleteUserSessions(userId: string): Promise<number> {
    return guard('deleteUserSessions', async () => {
      let total = 0;
      for (let chunk = 0; chunk < MAX_DELETE_CHUNKS; chunk += 1) {
        const { deleted, more } = await this.#deleteChunk(userId);
        total += deleted;
        if (!more) break;
      }
      return total;
    });
  }

  listUserSessions(userId: string): Promise<SessionRecord[]> {
    return guard('listUserSessions', async () => {
      const reply = await this.#scripts.listSessions(
        [this.#keys.userSessions(userId)],
        [this.#keys.sessionPrefix(userId)],
      );
      return asArray(reply).flatMap((values) => decodeSession(values) ?? []);
    });
  }

  /** See {@link SessionStore.deleteExpiredSessions}; the sweep is described in sweep.ts. */
  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredSessions', limit);
    if (refused !== null) return Promise.reject(refused);
    return guard('deleteExpiredSessions', () =>
      sweepSessions({ client: this.#client, keys: this.#keys, scripts: this.#scripts }, now, limit),
    );
  }

  incrementThrottle(key: string, now: Date, expiresAt: Date): Promise<ThrottleState> {
    return guard('incrementThrottle', () => this.#throttles.increment(key, now, expiresAt));
  }

  findThrottle(key: string, now: Date): Promise<ThrottleState | null> {
    return guard('findThrottle', () => this.#throttles.find(key, now));
  }

  deleteThrottle(key: string): Promise<void> {
    return guard('deleteThrottle', () => this.#throttles.delete(key));
  }

  /** See {@link SessionStore.deleteExpiredThrottles}. A negative or fractional `limit` rejects. */
  deleteExpiredThrottles(now: Date, limit: number): Promise<number> {
    const refused = refuseSweepLimit('deleteExpiredThrottles', limit);
    if (refused !== null) return Promise.reject(refused);
    return guard('deleteExpiredThrottles', () => this.#throttles.deleteExpired(now, limit));
  }

  /**
   * Deletes up to one chunk of a user's sessions with their lookups; returns how many sessions
   * still existed and whether the user may have more.
   */
  async #deleteChunk(userId: string): Promise<{ deleted: number; more: boolean }> {
    const reply = asArray(
      await this.#scripts.deleteUserSessions(
        [this.#keys.userSessions(userId)],
        [this.#keys.sessionPrefix(userId), DELETE_CHUNK],
      ),
    );
    const [examined, ...pairs] = reply;
    const forgotten: Promise<void>[] = [];
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      forgotten.push(
        this.#lookups.forget(userId, asString(pairs[index]), asString(pairs[index + 1])),
      );
    }
    await Promise.all(forgotten);
    return { deleted: forgotten.length, more: integer(examined) === DELETE_CHUNK };
  }

  /**
   * Deletes the old session and writes `next` (whose script arguments are `args`), atomically
   * when both belong to one user.
   */
  async #swap(userId: string, oldId: string, next: SessionRecord, args: string[]): Promise<string> {
    const oldKeys = [this.#keys.session(userId, oldId), this.#keys.userSessions(userId)];
    if (next.userId === userId) {
      const reply = await this.#scripts.replaceSession(
        [...oldKeys, this.#keys.session(userId, next.id)],
        [oldId, ...args],
      );
      return asString(reply);
    }
    // Another user's keys live in another slot: delete, then create. Only one of two
    // concurrent rotations gets the old session; a failure in between logs the user out. The
    // binding the delete read goes to the new session when it brings none (ARGV 10).
    const [taken, binding] = asArray(await this.#scripts.takeSession(oldKeys, [oldId]));
    const tokenHash = asString(taken);
    if (tokenHash === '') return '';
    const carried = args.map((arg, index) => (index === 9 && arg === '' ? asString(binding) : arg));
    await this.#scripts.createSession(this.#recordKeys(next), carried);
    return tokenHash;
  }

  /**
   * The session kept in memory for a token hash, once the fence says it may be served, or
   * null (read it from Redis). Kept sessions are found by the token hash read with them, so a
   * hit needs no token lookup; the hash they hold is checked again. Its user's next lookup is
   * admitted without a fence of its own (see `TrackedReads.admit`).
   */
  async #keptSession(tokenHash: string): Promise<SessionRecord | null> {
    const reads = this.#reads;
    const key = reads?.keyOf(tokenHash);
    if (reads === null || key === undefined || !(await reads.fence())) return null;
    const record = reads.peek(key, SESSION_FIELDS, decodeSession);
    if (record?.tokenHash !== tokenHash) return null;
    // The request looks its user up next: as fresh as this fence, it needs no other.
    reads.admit(this.#keys.user(record.userId));
    return copySession(record);
  }

  /** A session's hash, through the tracked reads when there are any (kept under `alias`). */
  async #read(
    userId: string,
    id: string,
    alias: string | null = null,
  ): Promise<SessionRecord | null> {
    const key = this.#keys.session(userId, id);
    return decodeSession(await readHash(this.#client, this.#reads, key, SESSION_FIELDS, alias));
  }

  #recordKeys(record: SessionRecord): string[] {
    return [this.#keys.session(record.userId, record.id), this.#keys.userSessions(record.userId)];
  }
}
