export { Accounts } from './accounts.js';
export type { AccountsOptions, AuthenticatedUser, Credentials } from './accounts.js';
export { EMAIL_LOCAL_PART_MAX_BYTES, EMAIL_MAX_BYTES, normalizeEmail } from './email.js';
export type { ExpectedUser, User, UserRecord, UserStore } from './types.js';
