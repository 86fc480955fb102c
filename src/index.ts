/**
 * Latchkey: session authentication for the web on HttpOnly cookies.
 *
 * The root export gathers the pieces most applications need; each also has its own subpath
 * (`latchkey/cookie`, `latchkey/session`, `latchkey/stores/sqlite`, ...) so that a user of one
 * piece pulls in nothing else.
 */
export { Accounts } from './accounts/index.js';
export type { ExpectedUser, User, UserRecord, UserStore } from './accounts/types.js';
export { AccountError, ConfigError, LatchkeyError, StoreUnavailableError } from './errors.js';
export type { AccountErrorCode } from './errors.js';
export { silentLogger } from './log.js';
export { registerStoreSecrets } from './untrusted-text.js';
export type { LogFields, LogLevel, Logger } from './log.js';
export { SessionManager, DEFAULT_SESSION_POLICY } from './session/index.js';
export type {
  BindingAlgorithm,
  Clock,
  CreatedSession,
  Session,
  SessionManagerOptions,
  SessionPolicy,
  SessionBinding,
  SessionRecord,
  SessionStore,
  ValidatedSession,
} from './session/index.js';
export { SessionCookie, authenticateRequest, createAuthRoutes } from './http/index.js';
export type { AuthContext, DbscOptions, RequestAuth, SessionCookieOptions } from './http/index.js';
