export { loadCommonPasswords } from './blocklist.js';
export { hashPassword, needsRehash, verifyPassword } from './hash.js';
export { HashingThreadError } from './hash-pool.js';
export { normalizePassword } from './normalize.js';
export {
  ARGON2ID_MAX_PARAMETERS,
  OWASP_ARGON2ID_PARAMETERS,
  resolveArgon2idParameters,
} from './parameters.js';
export type { Argon2idParameters } from './parameters.js';
export { DEFAULT_PASSWORD_POLICY, checkPasswordPolicy, resolvePasswordPolicy } from './policy.js';
export type { PasswordPolicy, PasswordPolicyCode, PasswordPolicyResult } from './policy.js';
