export { createAuthRoutes, publicSession, publicUser, unauthenticated } from './auth-routes.js';
export type { AuthRoutesOptions } from './auth-routes.js';
export { authenticateRequest, sessionsInRequest } from './authenticate.js';
export type { AuthContext, RequestAuth } from './authenticate.js';
export { MAX_BODY_BYTES, readFields, stringField } from './body.js';
export type { BodyResult } from './body.js';
export { withErrorResponses } from './guard.js';
export { createNodeListener, fromNodeRequest, writeNodeResponse } from './node.js';
export type { NodeHttpRequest } from './node.js';
export {
  errorResponse,
  jsonResponse,
  methodNotAllowed,
  notFound,
  storeUnavailable,
} from './respond.js';
export type { HttpErrorCode } from './respond.js';
export { SessionCookie } from './session-cookie.js';
export type { SessionCookieOptions } from './session-cookie.js';
export type { HttpRequest, HttpResponse, RequestHandler } from './types.js';
