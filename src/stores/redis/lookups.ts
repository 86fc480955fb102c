import { integer, millis } from './codec.js';
import { sessionPointer } from './keys.js';

import type { SessionRecord } from '../../session/types.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient, RedisScripts } from './scripts.js';

/**
 * The keys that point at a session from outside its user's slot (see keys.ts): its token and
 * id lookups and its entry in the sweep index. They are written before the session and removed
 * after it, each with single-key commands, so that a session is never stored without its
 * lookups; a lookup left behind by a failure expires with the session, and is never trusted
 * without checking the session it names. Unguarded: the store maps errors.
 */
export class SessionLookups {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: RedisScripts;

  constructor(client: RedisClient, keys: RedisKeys, scripts: RedisScripts) {
    this.#client = client;
    this.#keys = keys;
    this.#scripts = scripts;
  }

  /**
   * Claims the token and id lookups of a new session (SET NX, expiring with the session),
   * before the session itself exists, so that a clash is found before anything is changed.
   * Returns how to release them again; throws, holding nothing, on a clash.
   */
  async claim(record: SessionRecord): Promise<() => Promise<void>> {
    const expiry = earliestExpiry(record);
    const lookups: Array<[string, string]> = [
      [this.#keys.token(record.tokenHash), sessionPointer(record.userId, record.id)],
      [this.#keys.sessionOwner(record.id), record.userId],
    ];
    const claims = await Promise.allSettled(
      lookups.map(([key, value]) => this.#client.set(key, value, 'PXAT', expiry, 'NX')),
    );
    const held = lookups.filter((_, index) => {
      const claim = claims[index];
      return claim?.status === 'fulfilled' && claim.value === 'OK';
    });
    // Compare-and-delete: a lookup someone else holds is never released by mistake.
    const release = async (): Promise<void> => {
      await Promise.allSettled(
        held.map(([key, value]) => this.#scripts.deleteIfEqual([key], [value])),
      );
    };
    if (held.length === lookups.length) return release;
    await release();
    const failed = claims.find((claim) => claim.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    throw new Error('latchkey: duplicate session id or token hash');
  }

  /** Lists a stored session in the sweep index, under its earliest expiry. */
  async index(record: SessionRecord): Promise<void> {
    await this.#scripts.indexAdd(
      [this.#keys.sessionExpiry()],
      [
        earliestExpiry(record),
        sessionPointer(record.userId, record.id),
        millis(record.absoluteExpiresAt),
      ],
    );
  }

  /**
   * Moves the lookups' expiry to a touched session's new one (GT: never earlier). If this
   * fails, they vanish at the old expiry: the session ends early, never late.
   */
  async follow(id: string, tokenHash: string, expiresAt: unknown): Promise<void> {
    const at = integer(expiresAt);
    await Promise.all([
      this.#client.pexpireat(this.#keys.token(tokenHash), at, 'GT'),
      this.#client.pexpireat(this.#keys.sessionOwner(id), at, 'GT'),
    ]);
  }

  /** Removes what points at a deleted session ('' for an unknown token hash). */
  async forget(userId: string, id: string, tokenHash: string): Promise<void> {
    await Promise.all([
      tokenHash === '' ? 0 : this.#client.del(this.#keys.token(tokenHash)),
      this.#client.del(this.#keys.sessionOwner(id)),
      this.#client.zrem(this.#keys.sessionExpiry(), sessionPointer(userId, id)),
    ]);
  }
}

/** When a session ends if unused: the earlier of its idle and absolute expiry, in ms. */
export function earliestExpiry(record: SessionRecord): string {
  return String(Math.min(record.idleExpiresAt.getTime(), record.absoluteExpiresAt.getTime()));
}
