import { ConfigError } from '../errors.js';

/** How failed logins slow further attempts. Every default is documented here, in one place. */
export interface ThrottlePolicy {
  /**
   * Failures against one account (from anywhere) before each further one imposes a wait.
   * Counts unknown emails the same way, so the throttle says nothing about which exist.
   * Default: 5.
   */
  accountFreeFailures: number;
  /**
   * Failures from one client address (IPv6: its /64) before each further one imposes a wait,
   * whatever the accounts. Higher than the account limit because many people can share one
   * address (NAT, offices). Default: 20.
   */
  addressFreeFailures: number;
  /**
   * Registrations from one client address (IPv6: its /64) before each further one imposes a
   * wait, as failures do. Every registration that gets as far as the email's check counts, made
   * or refused as taken: each costs the server a password hash, and a refusal tells whether an
   * email has an account (which also counts as a failure of the address, like a failed login).
   * Default: 20.
   */
  registrationFreeAttempts: number;
  /** The first wait once the free failures are spent; it doubles with each failure. Unit: seconds. Default: 1. */
  baseDelaySeconds: number;
  /**
   * The longest wait, however many failures: an attacker hammering an account delays its
   * owner by at most this long and never locks them out for good; a device that has logged in
   * to the account before is not held up by the account's counter at all (only by its own
   * address's). Unit: seconds. Default: 900 (15 minutes).
   */
  maxDelaySeconds: number;
  /** A counter with no failure for this long is forgotten. Unit: seconds. Default: 86,400 (a day). */
  resetAfterSeconds: number;
}

/** The defaults, each documented on {@link ThrottlePolicy}. */
export const DEFAULT_THROTTLE_POLICY: Readonly<ThrottlePolicy> = Object.freeze({
  accountFreeFailures: 5,
  addressFreeFailures: 20,
  registrationFreeAttempts: 20,
  baseDelaySeconds: 1,
  maxDelaySeconds: 900,
  resetAfterSeconds: 86_400,
});

/** Fills in defaults and checks the policy once; throws `ConfigError` naming the option. */
export function resolveThrottlePolicy(input: Partial<ThrottlePolicy> = {}): ThrottlePolicy {
  const policy: ThrottlePolicy = { ...DEFAULT_THROTTLE_POLICY };
  for (const [key, value] of Object.entries(input) as [keyof ThrottlePolicy, unknown][]) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ConfigError(`throttle.${key}`, 'must be a whole number, 0 or more');
    }
    policy[key] = value;
  }
  if (policy.maxDelaySeconds < policy.baseDelaySeconds || policy.baseDelaySeconds < 1) {
    throw new ConfigError(
      'throttle.maxDelaySeconds',
      'must be at least throttle.baseDelaySeconds, which must be at least 1',
    );
  }
  return policy;
}

/**
 * How long to wait after `failures` failures when `free` come without a wait: nothing, then
 * base, 2 x base, 4 x base, ... capped at the maximum. Unit: seconds.
 */
export function delayAfterFailures(policy: ThrottlePolicy, failures: number, free: number): number {
  if (failures <= free) return 0;
  const doublings = Math.min(failures - free - 1, 30);
  return Math.min(policy.baseDelaySeconds * 2 ** doublings, policy.maxDelaySeconds);
}
