import { LatchkeyError, StoreUnavailableError } from '../errors.js';
import { KeyedGate } from './gate.js';
import { addressKey, attemptKeys, registrationKey } from './keys.js';
import { delayAfterFailures, resolveThrottlePolicy } from './policy.js';

import type { Clock, SessionStore, ThrottleState } from '../session/types.js';
import type { AttemptKeys, LoginAttempt } from './keys.js';
import type { ThrottlePolicy } from './policy.js';

/** Which counter an attempt is judged by. */
export type ThrottleScope = 'address' | 'account' | 'device' | 'known-address' | 'busy';

/** An attempt the throttle let through: record its outcome, then release it. */
export interface AllowedAttempt {
  readonly keys: AttemptKeys;
  /** The counter its failure counts against (besides the address's). */
  readonly scopeKey: string;
  /** Whether that counter held failures when the attempt was checked. */
  readonly scopeCounted: boolean;
  /** Until when the address was known to the account when checked; null if not (or unasked). */
  readonly knownUntil: Date | null;
  /** Frees its place for the next attempt on the same account. Safe to call twice. */
  release(): void;
}

/** Whether an attempt may go ahead, and if not, for how long it must wait. */
export type ThrottleVerdict =
  | { allowed: true; attempt: AllowedAttempt }
  | { allowed: false; retryAfterSeconds: number; scope: ThrottleScope };

/**
 * How long an address stays known to an account once written (at a login or a registration):
 * 30 days.
 */
const KNOWN_ADDRESS_SECONDS = 30 * 86_400;

/**
 * A login from an address made known less than this long ago does not write it again: one write
 * a day per account and address, not one per login. So an address stays known 29 to 30 days
 * after its last login. Unit: seconds. One day.
 */
const KNOWN_ADDRESS_REFRESH_SECONDS = 86_400;

// Failures are counted after the password is checked, so attempts on one counter are taken one
// at a time, in arrival order, or a burst of parallel guesses would all pass the check before
// the first failure is counted. A queued attempt waits at most two seconds. Per process:
// servers sharing a store can each check one guess at a time.
const GATE = { limit: 1, maxWaiting: 16, timeoutMs: 2_000 };
const ADDRESS_GATE = { limit: 8, maxWaiting: 64, timeoutMs: 2_000 };
// Registrations from one address, one at a time (each is counted once it is done).
const REGISTRATION_GATE = { limit: 1, maxWaiting: 16, timeoutMs: 2_000 };

/** A registration the throttle let through: record its outcome, then release it. */
export interface AllowedRegistration {
  /**
   * Counts the registration against its address, and, when the email was taken (`taken`), a
   * failure of the address as well, as a failed login is.
   */
  record(taken: boolean): Promise<void>;
  /** Frees the address for its next registration. Safe to call twice. */
  release(): void;
}

/** Whether a registration may go ahead. */
export type RegistrationVerdict =
  | { allowed: true; registration: AllowedRegistration }
  | Extract<ThrottleVerdict, { allowed: false }>;

/**
 * Throttles password logins per account and per client address, with exponential backoff,
 * keeping its counters in the session store so that every server sharing it agrees.
 *
 * So that an attacker hammering an account cannot lock its owner out, an attempt from a device
 * that has logged in to the account before (a device cookie), or from an address that has, is
 * counted on its own instead of with the whole account.
 */
export class LoginThrottle {
  /** The resolved policy. */
  readonly policy: ThrottlePolicy;
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #gate = new KeyedGate();

  constructor(
    store: SessionStore,
    options: { policy?: Partial<ThrottlePolicy>; clock?: Clock } = {},
  ) {
    this.policy = resolveThrottlePolicy(options.policy);
    this.#store = store;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * The refusal a login from `address` gets whatever its account, when that address has failed
   * too often lately; null when it may go on to {@link check}. Made before the account is looked
   * up (the route's order), so that a refused attempt, which costs its sender nothing, answers in
   * the same time whether or not the email has an account. {@link check} reads the address
   * again, and refuses it the same way.
   */
  async refuseAddress(
    address: string,
  ): Promise<Extract<ThrottleVerdict, { allowed: false }> | null> {
    const key = addressKey(address);
    if (key === null) return null;
    const now = new Date(this.#clock());
    const wait = this.#waitSeconds(
      await this.#find(key, now),
      this.policy.addressFreeFailures,
      now,
    );
    return wait > 0 ? { allowed: false, retryAfterSeconds: wait, scope: 'address' } : null;
  }

  /**
   * Checks an attempt before any password is hashed, so refused attempts cost nothing. An
   * allowed attempt holds its counter until `release()`, called once its outcome is recorded.
   * `recordsSuccess: false` says that a success will not be recorded (a password change): a
   * known device's address, which only a recorded success may write again, is then not read.
   */
  async check(
    attempt: LoginAttempt,
    options: { recordsSuccess?: boolean } = {},
  ): Promise<ThrottleVerdict> {
    const keys = attemptKeys(attempt);
    const now = new Date(this.#clock());
    const { scope, knownUntil } = await this.#scopeOf(keys, attempt, now);
    const scopeKey =
      scope === 'device'
        ? (keys.device ?? keys.account)
        : scope === 'known-address'
          ? keys.accountAtAddress
          : keys.account;

    // No address at all (an adapter that was given none) is not one client: counting every such
    // request together would let one attacker throttle everybody. Only the account counts then.
    const releaseAddress =
      keys.address === null ? noop : await this.#gate.acquire(keys.address, ADDRESS_GATE);
    if (releaseAddress === null) return busy();
    const releaseScope = await this.#gate.acquire(scopeKey, GATE);
    if (releaseScope === null) {
      releaseAddress();
      return busy();
    }
    const release = (): void => {
      releaseScope();
      releaseAddress();
    };

    try {
      const later = new Date(this.#clock());
      const [address, counter, deviceAddress] = await Promise.all([
        keys.address === null ? Promise.resolve(null) : this.#find(keys.address, later),
        this.#find(scopeKey, later),
        // A device's address is not needed to judge it, only to know whether its success must
        // write the address again: read beside the counters, a read instead of a write a login.
        scope === 'device' && options.recordsSuccess !== false
          ? this.#find(keys.knownAddress, later)
          : Promise.resolve(null),
      ]);
      const addressWait = this.#waitSeconds(address, this.policy.addressFreeFailures, later);
      const scopeWait = this.#waitSeconds(counter, this.policy.accountFreeFailures, later);
      if (addressWait > 0 || scopeWait > 0) {
        release();
        return addressWait > 0
          ? { allowed: false, retryAfterSeconds: addressWait, scope: 'address' }
          : { allowed: false, retryAfterSeconds: scopeWait, scope };
      }
      const scopeCounted = counter !== null;
      const knownAddressUntil =
        scope === 'device' ? (deviceAddress?.expiresAt ?? null) : knownUntil;
      return {
        allowed: true,
        attempt: { keys, scopeKey, scopeCounted, knownUntil: knownAddressUntil, release },
      };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Counts a failed attempt against its address and its counter. */
  async recordFailure(allowed: AllowedAttempt): Promise<void> {
    const now = new Date(this.#clock());
    const expiresAt = new Date(now.getTime() + this.policy.resetAfterSeconds * 1000);
    await this.#call('incrementThrottle', () =>
      Promise.all([
        allowed.keys.address === null
          ? Promise.resolve(null)
          : this.#store.incrementThrottle(allowed.keys.address, now, expiresAt),
        this.#store.incrementThrottle(allowed.scopeKey, now, expiresAt),
      ]),
    );
  }

  /**
   * After a successful login: forgets the counter's failures and remembers the address as
   * known to the account. The address counter stays: one account an attacker owns must not
   * reset their guessing at others. Writes only what changes: no delete when the counter held
   * no failures when checked (so a failure another server counted since then stays counted; one
   * counted there while it held some is deleted with them, as before), and no refresh of an
   * address found known since less than a day.
   */
  async recordSuccess(allowed: AllowedAttempt): Promise<void> {
    const now = new Date(this.#clock());
    const knownUntil = new Date(now.getTime() + KNOWN_ADDRESS_SECONDS * 1000);
    const refreshAfter = knownUntil.getTime() - KNOWN_ADDRESS_REFRESH_SECONDS * 1000;
    await this.#call('recordSuccess', () => {
      const writes: Promise<unknown>[] = [];
      if (allowed.scopeCounted) writes.push(this.#store.deleteThrottle(allowed.scopeKey));
      if (allowed.knownUntil === null || allowed.knownUntil.getTime() <= refreshAfter) {
        writes.push(this.#store.incrementThrottle(allowed.keys.knownAddress, now, knownUntil));
      }
      return Promise.all(writes);
    });
  }

  /**
   * Checks a registration from `address` before its password is hashed: refused while the
   * address waits after its failures (so that an address refused logins cannot test emails
   * here instead) or after its registrations ({@link ThrottlePolicy.registrationFreeAttempts}).
   * An allowed one holds the address until `release()`; an unknown address ('') is not counted.
   */
  async checkRegistration(address: string): Promise<RegistrationVerdict> {
    const key = registrationKey(address);
    const failuresKey = addressKey(address);
    if (key === null || failuresKey === null) {
      return { allowed: true, registration: { record: () => Promise.resolve(), release: noop } };
    }
    const release = await this.#gate.acquire(key, REGISTRATION_GATE);
    if (release === null) return busy();
    try {
      const now = new Date(this.#clock());
      const [failures, registrations] = await Promise.all([
        this.#find(failuresKey, now),
        this.#find(key, now),
      ]);
      const failureWait = this.#waitSeconds(failures, this.policy.addressFreeFailures, now);
      const registrationWait = this.#waitSeconds(
        registrations,
        this.policy.registrationFreeAttempts,
        now,
      );
      const wait = Math.max(failureWait, registrationWait);
      if (wait > 0) {
        release();
        return { allowed: false, retryAfterSeconds: wait, scope: 'address' };
      }
    } catch (error) {
      release();
      throw error;
    }
    const record = async (taken: boolean): Promise<void> => {
      const now = new Date(this.#clock());
      const expiresAt = new Date(now.getTime() + this.policy.resetAfterSeconds * 1000);
      await this.#call('incrementThrottle', () =>
        Promise.all([
          this.#store.incrementThrottle(key, now, expiresAt),
          taken ? this.#store.incrementThrottle(failuresKey, now, expiresAt) : null,
        ]),
      );
    };
    return { allowed: true, registration: { record, release } };
  }

  /** Remembers the client's address as known to the account, as a login does (at registration). */
  async rememberAddress(attempt: LoginAttempt): Promise<void> {
    const now = new Date(this.#clock());
    const knownUntil = new Date(now.getTime() + KNOWN_ADDRESS_SECONDS * 1000);
    const { knownAddress } = attemptKeys(attempt);
    await this.#call('incrementThrottle', () =>
      this.#store.incrementThrottle(knownAddress, now, knownUntil),
    );
  }

  /** Which counter judges the attempt, and until when its address is known to the account. */
  async #scopeOf(
    keys: AttemptKeys,
    attempt: LoginAttempt,
    now: Date,
  ): Promise<{ scope: ThrottleScope; knownUntil: Date | null }> {
    if (keys.device !== null) return { scope: 'device', knownUntil: null };
    // Read for an email with no account (stamp '') too, and its answer ignored: skipping the
    // read would answer those a store call sooner, telling by timing which emails have accounts.
    const known = await this.#find(keys.knownAddress, now);
    return known === null || attempt.credentialStamp === ''
      ? { scope: 'account', knownUntil: null }
      : { scope: 'known-address', knownUntil: known.expiresAt };
  }

  #waitSeconds(state: ThrottleState | null, free: number, now: Date): number {
    if (state === null) return 0;
    const delayMs = delayAfterFailures(this.policy, state.failures, free) * 1000;
    const remainingMs = state.lastFailureAt.getTime() + delayMs - now.getTime();
    return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
  }

  #find(key: string, now: Date): Promise<ThrottleState | null> {
    return this.#call('findThrottle', () => this.#store.findThrottle(key, now));
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof LatchkeyError) throw error;
      throw new StoreUnavailableError(operation, error);
    }
  }
}

function noop(): void {
  // Nothing was held.
}

function busy(): Extract<ThrottleVerdict, { allowed: false }> {
  return { allowed: false, retryAfterSeconds: 1, scope: 'busy' };
}
