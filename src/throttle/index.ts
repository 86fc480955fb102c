export { LoginThrottle } from './login-throttle.js';
export type {
  AllowedAttempt,
  AllowedRegistration,
  RegistrationVerdict,
  ThrottleScope,
  ThrottleVerdict,
} from './login-throttle.js';
export { addressBucket, attemptKeys } from './keys.js';
export type { AttemptKeys, LoginAttempt } from './keys.js';
export { DEFAULT_THROTTLE_POLICY, delayAfterFailures, resolveThrottlePolicy } from './policy.js';
export type { ThrottlePolicy } from './policy.js';
