/**
 * Sent on every response: no MIME sniffing, no framing, no referrer leaking paths elsewhere,
 * and a browsing context of our own (OWASP ASVS V3.4).
 */
export const SECURITY_HEADERS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

/**
 * Over HTTPS, tell the browser never to use plain HTTP here again (RFC 6797), so the Secure
 * session cookie is never offered a downgrade. One year, as the HSTS preload list expects.
 */
export const HSTS: [string, string] = ['Strict-Transport-Security', 'max-age=31536000'];
