export {
  ID_BYTES,
  SESSION_TOKEN_BYTES,
  SESSION_TOKEN_LENGTH,
  encodeBase32LowerCaseNoPadding,
  generateId,
  generateSessionToken,
  isWellFormedSessionToken,
} from './random.js';
export { constantTimeEqual, hashToken } from './hash.js';
export { KeyRing, MIN_SECRET_BYTES } from './keyring.js';
