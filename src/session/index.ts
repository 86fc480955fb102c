export { SessionManager } from './manager.js';
export type {
  CreatedSession,
  Session,
  SessionManagerOptions,
  SweepOptions,
  ValidatedSession,
} from './manager.js';
export { DEFAULT_SESSION_POLICY, resolveSessionPolicy } from './policy.js';
export type { SessionPolicy } from './policy.js';
export type {
  BindingAlgorithm,
  Clock,
  SessionBinding,
  SessionRecord,
  SessionStore,
} from './types.js';
