import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

import { normalizeEmail } from '../accounts/email.js';
import { LatchkeyError, StoreUnavailableError } from '../errors.js';
import { delayAfterFailures, resolveThrottlePolicy } from './policy.js';

import type { Clock, SessionStore, ThrottleState } from '../session/types.js';
import type { ThrottlePolicy } from './policy.js';

/** Who is trying to log in, as the throttle counts them. */
export interface LoginAttempt {
  /** The email as typed (it is normalized and hashed before it becomes a key). */
  email: string;
  /** The client's address (after trusted proxies). */
  address: string;
  /**
   * A device that has logged in to this account before (a verified device cookie's id), or
   * null. Such a device is counted on its own instead of with the whole account, so an
   * attacker hammering the account does not hold up its owner.
   */
  deviceId: string | null;
}

/** Whether an attempt may go ahead, and if not, for how long it must wait. */
export type ThrottleVerdict =
  | { allowed: true; release: () => void }
  | { allowed: false; retryAfterSeconds: number; scope: 'account' | 'address' };

// Guesses are counted after the password is checked, so without a limit on attempts in flight
// a burst of parallel guesses would all pass the check before the first failure is counted.
// One attempt at a time per account (or known device) and a few per address, per process;
// servers sharing a store can each let one through, no more.
const IN_FLIGHT_PER_ACCOUNT = 1;
const IN_FLIGHT_PER_ADDRESS = 8;

/**
 * Throttles password logins per account and per client address, with exponential backoff,
 * keeping its counters in the session store so that every server sharing it agrees.
 */
export class LoginThrottle {
  /** The resolved policy. */
  readonly policy: ThrottlePolicy;
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #inFlight = new Map<string, number>();

  constructor(
    store: SessionStore,
    options: { policy?: Partial<ThrottlePolicy>; clock?: Clock } = {},
  ) {
    this.policy = resolveThrottlePolicy(options.policy);
    this.#store = store;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Checks an attempt before any password is hashed, so refused attempts cost nothing. An
   * allowed attempt holds its place until `release()` is called (after its outcome is
   * recorded): until then another attempt on the same account is refused for a second.
   */
  async check(attempt: LoginAttempt): Promise<ThrottleVerdict> {
    const keys = keysFor(attempt);
    if ((this.#inFlight.get(keys.account) ?? 0) >= IN_FLIGHT_PER_ACCOUNT) {
      return { allowed: false, retryAfterSeconds: 1, scope: 'account' };
    }
    if ((this.#inFlight.get(keys.address) ?? 0) >= IN_FLIGHT_PER_ADDRESS) {
      return { allowed: false, retryAfterSeconds: 1, scope: 'address' };
    }
    // Taken before the first await, so no other attempt can slip in between.
    const release = this.#hold(keys.account, keys.address);
    try {
      const now = new Date(this.#clock());
      const [address, account] = await Promise.all([
        this.#find(keys.address, now),
        this.#find(keys.account, now),
      ]);
      const addressWait = this.#waitSeconds(address, this.policy.addressFreeFailures, now);
      const accountWait = this.#waitSeconds(account, this.policy.accountFreeFailures, now);
      if (addressWait > 0) {
        release();
        return { allowed: false, retryAfterSeconds: addressWait, scope: 'address' };
      }
      if (accountWait > 0) {
        release();
        return { allowed: false, retryAfterSeconds: accountWait, scope: 'account' };
      }
      return { allowed: true, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Counts a failed attempt against its address and its account (or its known device). */
  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const now = new Date(this.#clock());
    const expiresAt = new Date(now.getTime() + this.policy.resetAfterSeconds * 1000);
    const keys = keysFor(attempt);
    await this.#call('incrementThrottle', () =>
      Promise.all([
        this.#store.incrementThrottle(keys.address, now, expiresAt),
        this.#store.incrementThrottle(keys.account, now, expiresAt),
      ]),
    );
  }

  /**
   * Forgets the account's (or device's) failures after a successful login. The address
   * counter stays: one account an attacker owns must not reset their guessing at others.
   */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    const keys = keysFor(attempt);
    await this.#call('deleteThrottle', () => this.#store.deleteThrottle(keys.account));
  }

  #hold(...keys: string[]): () => void {
    for (const key of keys) this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const count = (this.#inFlight.get(key) ?? 1) - 1;
        if (count <= 0) this.#inFlight.delete(key);
        else this.#inFlight.set(key, count);
      }
    };
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

/** Store keys for an attempt: hashed, so the store never holds an email address. */
function keysFor(attempt: LoginAttempt): { account: string; address: string } {
  // The account's own canonical email, so every spelling that reaches an account counts
  // against it; what is not an email at all is counted as typed.
  const email = normalizeEmail(attempt.email) ?? attempt.email.trim().toLowerCase();
  const account =
    attempt.deviceId === null
      ? `login:account:${sha256(email)}`
      : `login:device:${sha256(`${email}\u0000${attempt.deviceId}`)}`;
  return { account, address: `login:address:${addressBucket(attempt.address)}` };
}

/**
 * IPv6 clients usually hold a whole /64, so counting single addresses would let one client
 * rotate through 2^64 of them; the /64 is counted instead.
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) =>
    group.replace(/^0+(?=.)/, ''),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
