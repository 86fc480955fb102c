import { ConfigError } from '../errors.js';

/**
 * How long sessions live. One named place for these numbers; every adapter and the server read
 * them from here.
 */
export interface SessionPolicy {
  /**
   * A session not used for this long ends. Each use slides it forward (sliding renewal).
   * Unit: seconds. Default: 86,400 (one day).
   */
  idleTimeoutSeconds: number;
  /**
   * A session ends this long after login however much it is used; the user logs in again.
   * Unit: seconds. Default: 1,209,600 (14 days), the session age Django uses by default.
   */
  absoluteLifetimeSeconds: number;
  /**
   * Sliding renewal writes to the store (and sends a new cookie) at most once per this interval
   * per session, so that busy clients do not turn every read into a write. The idle timeout is
   * therefore honoured to within this interval. Unit: seconds. Default: 60, or half the idle
   * timeout when that is shorter.
   */
  renewalIntervalSeconds: number;
}

/** The defaults, each documented on {@link SessionPolicy}. */
export const DEFAULT_SESSION_POLICY: Readonly<SessionPolicy> = Object.freeze({
  idleTimeoutSeconds: 86_400,
  absoluteLifetimeSeconds: 1_209_600,
  renewalIntervalSeconds: 60,
});

// RFC 6265bis section 5.6.1 and 5.6.2: browsers cap a cookie's lifetime at 400 days, so a longer
// session would outlive its cookie without anyone noticing.
const MAX_LIFETIME_SECONDS = 400 * 86_400;

/**
 * Fills in defaults and checks the policy once, at start-up. Throws {@link ConfigError} naming
 * the option, the rule and the fix.
 */
export function resolveSessionPolicy(input: Partial<SessionPolicy> = {}): SessionPolicy {
  const given = stripUndefined(input);
  const policy: SessionPolicy = { ...DEFAULT_SESSION_POLICY, ...given };
  // A short idle timeout brings the default renewal interval down with it (at most half).
  if (
    given.renewalIntervalSeconds === undefined &&
    Number.isSafeInteger(policy.idleTimeoutSeconds)
  ) {
    policy.renewalIntervalSeconds = Math.min(
      DEFAULT_SESSION_POLICY.renewalIntervalSeconds,
      Math.floor(policy.idleTimeoutSeconds / 2),
    );
  }
  for (const key of ['idleTimeoutSeconds', 'absoluteLifetimeSeconds'] as const) {
    const value = policy[key];
    if (!Number.isSafeInteger(value) || value < 60 || value > MAX_LIFETIME_SECONDS) {
      throw new ConfigError(
        `session.${key}`,
        `must be a whole number of seconds from 60 to ${MAX_LIFETIME_SECONDS} (400 days, the ` +
          'longest a browser keeps a cookie); set it within that range',
      );
    }
  }
  if (policy.idleTimeoutSeconds > policy.absoluteLifetimeSeconds) {
    throw new ConfigError(
      'session.idleTimeoutSeconds',
      'is longer than session.absoluteLifetimeSeconds, so it would never apply; ' +
        'make it shorter than the absolute lifetime',
    );
  }
  const renewal = policy.renewalIntervalSeconds;
  if (!Number.isSafeInteger(renewal) || renewal < 0 || renewal * 2 > policy.idleTimeoutSeconds) {
    throw new ConfigError(
      'session.renewalIntervalSeconds',
      'must be a whole number of seconds, at least 0 and at most half the idle timeout; ' +
        'lower it',
    );
  }
  return policy;
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
