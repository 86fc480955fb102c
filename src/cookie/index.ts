/**
 * `latchkey/cookie`: the Cookie and Set-Cookie codec. Pure and dependency-free. Parsing a
 * `Cookie` header is tolerant and never throws; serializing a `Set-Cookie` header is strict and
 * throws a {@link CookieError} for anything a browser would drop, alter or misread, and for a
 * name or value outside the server grammar.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis
 * @module
 */
export { parseCookieHeader, getCookie, getCookieValues } from './parse.js';
export { decodeCookieValue } from './decode.js';
export { serializeSetCookie } from './serialize.js';
export { parseSetCookie } from './parse-set-cookie.js';
export { CookieJar } from './jar.js';
export { auditSetCookies } from './audit.js';
export { CookieError } from './errors.js';
export {
  MAX_COOKIE_LIFETIME_SECONDS,
  MAX_COOKIE_NAME_VALUE_BYTES,
  MAX_COOKIE_ATTRIBUTE_VALUE_BYTES,
} from './limits.js';

export type { CookiePair } from './parse.js';
export type { ParseSetCookieOptions } from './parse-set-cookie.js';
export type {
  IgnoredAttribute,
  SameSiteEnforcement,
  SetCookieRejectionCode,
  SetCookieResult,
  StoredCookie,
} from './stored-cookie.js';
export type { CookieJarOptions, JarCookie } from './jar.js';
export type {
  AuditFinding,
  AuditFindingCode,
  AuditOptions,
  AuditSeverity,
  CookieAudit,
} from './audit.js';
export type { CookieApi, CookieRequestOptions, SameSiteContext } from './retrieve.js';
export type { SetCookieOptions, SameSite, CookiePriority } from './serialize.js';
export type { CookieErrorCode } from './errors.js';
