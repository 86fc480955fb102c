import { randomUUID } from 'node:crypto';

import { AccountError } from '../../errors.js';
import { copyUser } from '../records.js';
import { USER_FIELDS, decodeUser, integer, millis } from './codec.js';
import { guard, refuseClientKeyPrefix } from './errors.js';
import { RedisKeys } from './keys.js';
import { scriptsFor } from './scripts.js';
import { RedisSessionStore } from './session-store.js';
import { readHash } from './tracked-reads.js';

import type { ExpectedUser, UserRecord, UserStore } from '../../accounts/types.js';
import type { RedisClient, RedisScripts } from './scripts.js';
import type { RedisStoreOptions } from './session-store.js';
import type { TrackedReads } from './tracked-reads.js';

// How long a change of email in progress keeps others from its new email's lookup.
const PENDING_EMAIL_MS = 60_000;

/** Whether a user's email and password hash are the expected ones (always, with none). */
function matches(email: string, hash: string | null, expected: ExpectedUser | undefined): boolean {
  return expected === undefined || (email === expected.email && hash === expected.passwordHash);
}

/**
 * User accounts in Redis (see keys.ts for the layout): one hash per user, an email lookup that
 * makes emails unique, and a sorted set for listing. A taken email rejects with `AccountError`
 * code `EMAIL_TAKEN`; every other failure becomes `StoreUnavailableError`. Deleting a user
 * deletes their sessions with it (those kept under the same key prefix), as the SQL stores'
 * foreign key does. The client is shared and not owned.
 */
export class RedisUserStore implements UserStore {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: RedisScripts;
  readonly #sessions: RedisSessionStore;
  readonly #reads: TrackedReads | null;
  /**
   * The user read for an email with no account: random for each store, so that on a cluster
   * the stores of several servers spread those reads over several slots, and made once, so that
   * they do not churn the cache of users' keys.
   */
  readonly #noAccountId = randomUUID();

  /**
   * Throws `ConfigError` for a bad prefix or a client with ioredis's own `keyPrefix`. `reads`
   * keeps users in memory under Redis's client-side caching; {@link openRedisStores} gives one.
   */
  constructor(
    client: RedisClient,
    options: RedisStoreOptions = {},
    reads: TrackedReads | null = null,
  ) {
    refuseClientKeyPrefix(client);
    this.#client = client;
    this.#keys = new RedisKeys(options.keyPrefix);
    this.#scripts = scriptsFor(client);
    this.#sessions = new RedisSessionStore(client, options);
    this.#reads = reads;
  }

  insertUser(record: UserRecord): Promise<void> {
    return guard('insertUser', async () => {
      const userKey = this.#keys.user(record.id);
      const disabled = record.disabledAt === null ? '' : millis(record.disabledAt);
      await this.#scripts.createUser(
        [userKey],
        [
          record.id,
          record.email,
          record.passwordHash,
          millis(record.createdAt),
          disabled,
          record.disabledAt === null ? '0' : '1',
        ],
      );
      // The user exists before its email is claimed, so an email lookup whose user does not
      // exist can only be left over from a deletion, never a registration still under way.
      try {
        if (!(await this.#claimEmail(record.email, record.id))) {
          throw new AccountError('EMAIL_TAKEN', 'this email is already registered');
        }
      } catch (error) {
        // Undo the half-made user; the error to report is the one that stopped it.
        await this.#client.del(userKey).catch(() => undefined);
        throw error;
      }
      await this.#client.zadd(this.#keys.users(), record.createdAt.getTime(), record.id);
    });
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return guard('findUserByEmail', async () => {
      const id = await this.#client.get(this.#keys.email(email));
      // With no account, a user is read all the same (one nobody has; one that existed would
      // still answer null below): a login naming an existing account would otherwise answer a
      // round trip later, telling by timing which emails have accounts.
      const record = await this.#read(id ?? this.#noAccountId);
      return id !== null && record?.email === email ? record : null;
    });
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return guard('findUserById', async () => {
      // A user kept in memory, once admitted after its session's fence or past a fence of its
      // own; else read from Redis.
      const reads = this.#reads;
      const key = this.#keys.user(id);
      if (reads?.holds(key) === true && (reads.admitted(key) || (await reads.fence()))) {
        const record = reads.peek(key, USER_FIELDS, decodeUser);
        if (record !== undefined) return record === null ? null : copyUser(record);
      }
      return this.#read(id, key);
    });
  }

  listUsers(): Promise<UserRecord[]> {
    return guard('listUsers', async () => {
      const ids = await this.#client.zrange(this.#keys.users(), 0, -1);
      const records = await Promise.all(ids.map((id) => this.#read(id)));
      const missing = ids.filter((_, index) => records[index] === null);
      // Lazily forget ids whose user was deleted by a call that failed part-way.
      if (missing.length > 0) await this.#client.zrem(this.#keys.users(), ...missing);
      return records.filter((record): record is UserRecord => record !== null);
    });
  }

  updatePasswordHash(
    id: string,
    passwordHash: string,
    expected?: Pick<ExpectedUser, 'passwordHash'>,
  ): Promise<boolean> {
    return guard('updatePasswordHash', async () => {
      const args = ['ph', passwordHash, 'set', ...(expected ? [expected.passwordHash] : [])];
      return integer(await this.#scripts.updateUser([this.#keys.user(id)], args)) === 1;
    });
  }

  updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean> {
    return guard('updateUserEmail', async () => {
      const userKey = this.#keys.user(id);
      const [before = null, hash = null] = await this.#client.hmget(userKey, 'email', 'ph');
      if (before === null || !matches(before, hash, expected)) return false;
      if (before === email) return true;
      // Marked before the email is claimed (and only while the user is as expected): a
      // registration or another change that finds the lookup held by this user, whose email is
      // still the old one, then knows that the lookup is not left over (see #claimEmail), and
      // two accounts never end up with one email.
      const expectedArgs = [expected?.email ?? '', expected?.passwordHash ?? ''];
      if (integer(await this.#scripts.markEmail([userKey], [email, ...expectedArgs])) !== 1) {
        return false;
      }
      if (!(await this.#claimEmail(email, id))) {
        await this.#scripts.settleEmail([userKey], [email, 'drop', '', '']);
        throw new AccountError('EMAIL_TAKEN', 'this email is already registered');
      }
      const settled = await this.#scripts.settleEmail([userKey], [email, 'move', ...expectedArgs]);
      const moved = integer(settled) === 1;
      await this.#release(moved ? before : email, id);
      // A change back to the old email, racing this one, may have seen its lookup released just
      // after claiming it as already its own: claimed again, if nobody else has taken it since.
      if (moved && (await this.#client.get(this.#keys.email(email))) !== id) {
        await this.#client.set(this.#keys.email(email), id, 'NX');
      }
      return moved;
    });
  }

  setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    return guard('setUserDisabled', async () => {
      const args = disabledAt === null ? ['d', '', 'clear'] : ['d', millis(disabledAt), 'set'];
      return integer(await this.#scripts.updateUser([this.#keys.user(id)], args)) === 1;
    });
  }

  deleteUser(id: string, expected?: Pick<ExpectedUser, 'passwordHash'>): Promise<boolean> {
    return guard('deleteUser', async () => {
      const args = expected === undefined ? [] : [expected.passwordHash];
      const email = await this.#scripts.deleteUser([this.#keys.user(id)], args);
      if (typeof email !== 'string' || email === '') return false;
      await Promise.all([
        this.#scripts.deleteIfEqual([this.#keys.email(email)], [id]),
        this.#client.zrem(this.#keys.users(), id),
        this.#sessions.deleteUserSessions(id),
      ]);
      return true;
    });
  }

  /**
   * Points the email's lookup at `id` unless a live user holds it; true when it now does. A
   * lookup whose user is gone or has another email is taken over (compare-and-set, so that of
   * two registrations racing for it, one wins).
   */
  async #claimEmail(email: string, id: string): Promise<boolean> {
    const key = this.#keys.email(email);
    if ((await this.#client.set(key, id, 'NX')) === 'OK') return true;
    const holder = await this.#client.get(key);
    if (holder === null) return (await this.#client.set(key, id, 'NX')) === 'OK';
    if (holder === id) return true;
    // Taken while the holder has the email or is moving to it right now (a mark older than a
    // minute is left over from a change that stopped part-way), both judged on the holder's node.
    const holds = await this.#scripts.holdsEmail(
      [this.#keys.user(holder)],
      [email, PENDING_EMAIL_MS],
    );
    if (integer(holds) === 1) return false;
    return integer(await this.#scripts.replaceIfEqual([key], [holder, id])) === 1;
  }

  /**
   * Lets go of an email's lookup held by `id`, unless the user has it again or is moving to it
   * (a change back, racing this one).
   */
  async #release(email: string, id: string): Promise<void> {
    const [current, pending] = await this.#client.hmget(this.#keys.user(id), 'email', 'pe');
    if (current === email || pending === email) return;
    await this.#scripts.deleteIfEqual([this.#keys.email(email)], [id]);
  }

  /** A user's hash (at `key`, when the caller has it), through the tracked reads if any. */
  async #read(id: string, key = this.#keys.user(id)): Promise<UserRecord | null> {
    return decodeUser(await readHash(this.#client, this.#reads, key, USER_FIELDS));
  }
}
