export { SAFE_METHODS, decideCsrf } from './decide.js';
export type { CsrfInput, CsrfRejectionCode, CsrfVerdict } from './decide.js';
export { issueCsrfToken, verifyCsrfToken } from './token.js';
