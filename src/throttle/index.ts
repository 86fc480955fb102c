export { LoginThrottle, addressBucket } from './login-throttle.js';
export type { LoginAttempt, ThrottleVerdict } from './login-throttle.js';
export { DEFAULT_THROTTLE_POLICY, delayAfterFailures, resolveThrottlePolicy } from './policy.js';
export type { ThrottlePolicy } from './policy.js';
