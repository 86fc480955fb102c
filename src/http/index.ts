export { createAuthRoutes } from './auth-routes.js';
export type { AuthRoutesOptions } from './auth-routes.js';
export { authenticateRequest, sessionsInRequest } from './authenticate.js';
export type { RequestAuth } from './authenticate.js';
export { MAX_BODY_BYTES, readFields, stringField } from './body.js';
export type { BodyResult } from './body.js';
export { createAuthContext } from './context.js';
export type { DbscOptions } from './dbsc.js';
export type { AuthContext, AuthContextOptions } from './context.js';
export { CSRF_FIELD, CSRF_HEADER, checkCsrf } from './csrf-check.js';
export { DeviceCookie } from './device-cookie.js';
export { responseForError, withErrorResponses } from './guard.js';
export { createNodeListener, createNodeRequestReader, writeNodeResponse } from './node.js';
export type { NodeAdapterOptions, NodeHttpRequest } from './node.js';
export { publicSession, publicUser } from './present.js';
export { createClientResolver } from './proxy.js';
export type {
  ClientResolverOptions,
  ForwardingHeader,
  ForwardingInput,
  ResolvedClient,
  TrustProxy,
} from './proxy.js';
export {
  errorResponse,
  jsonResponse,
  methodNotAllowed,
  notFound,
  storeUnavailable,
} from './respond.js';
export type { HttpErrorCode } from './respond.js';
export { unauthenticated } from './routes/sessions.js';
export { SessionCookie } from './session-cookie.js';
export type { SessionCookieOptions } from './session-cookie.js';
export type { HttpRequest, HttpResponse, RequestHandler } from './types.js';
export { createLatchkey } from './latchkey.js';
export type { GuardResult, Latchkey, LatchkeyOptions } from './latchkey.js';
