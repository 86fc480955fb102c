// Where a cookie applies: the host and path rules of RFC 6265bis section 5.1, and which
// request URLs count as secure. Shared by `parseSetCookie` (storing) and `CookieJar` (sending).

const COOKIE_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:']);
const SECURE_SCHEMES = new Set(['https:', 'wss:']);
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Whether browsers keep cookies for this URL's scheme: HTTP, and WebSocket, whose handshake is
 * an HTTP request (RFC 6455 section 4.1), plain or secure.
 */
export function isCookieScheme(url: URL): boolean {
  return COOKIE_SCHEMES.has(url.protocol);
}

/**
 * The canonicalized host of RFC 6265bis section 5.1.2. The WHATWG URL parser has already done
 * the work: the host is lower case, IDNs are in their `xn--` form, IPv4 is dotted decimal and
 * IPv6 is bracketed and compressed.
 */
export function canonicalHost(url: URL): string {
  return url.hostname;
}

/** Whether a canonical host is an IP address rather than a name (section 5.1.3). */
export function isIpAddress(host: string): boolean {
  return host.startsWith('[') || IPV4.test(host);
}

/**
 * Whether `host` domain-matches `domain` (RFC 6265bis section 5.1.3): they are identical, or
 * `host` is a name that ends with "." followed by `domain`. An IP address matches only itself.
 */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return (
    domain !== '' &&
    !isIpAddress(host) &&
    host.endsWith(domain) &&
    host.charCodeAt(host.length - domain.length - 1) === 0x2e
  );
}

/**
 * Whether a Domain attribute names a public suffix, under which any site may register.
 *
 * Limitation: there is no Public Suffix List here (it is large and changes weekly), so only
 * single-label domains (`com`, `org`, `localhost`) count. A browser also refuses `co.uk` or
 * `github.io`, which this accepts when the host matches them.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.7
 */
export function isPublicSuffix(domain: string): boolean {
  return !domain.includes('.');
}

/**
 * The default-path of RFC 6265bis section 5.1.4: the URL's path up to, not including, its last
 * "/", or "/" when that would leave nothing. `/docs/intro` gives `/docs`; `/login` gives `/`.
 */
export function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/')) return '/';
  const lastSlash = path.lastIndexOf('/');
  return lastSlash === 0 ? '/' : path.slice(0, lastSlash);
}

/**
 * Whether a request path path-matches a cookie path (RFC 6265bis section 5.1.4): they are
 * identical, or the cookie path is a prefix that ends with "/" or is followed by "/". So `/docs`
 * matches `/docs/intro` but not `/docsearch`. Paths compare octet by octet, undecoded.
 */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return (
    requestPath.startsWith(cookiePath) &&
    (cookiePath.endsWith('/') || requestPath.charCodeAt(cookiePath.length) === 0x2f)
  );
}

/**
 * Whether a request to this URL counts as secure for cookies: `https:` and `wss:`, and also a
 * loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`), which browsers treat as
 * potentially trustworthy (W3C Secure Contexts section 3.1) and so let set `Secure` cookies.
 */
export function isSecureRequest(url: URL): boolean {
  if (SECURE_SCHEMES.has(url.protocol)) return true;
  const host = url.hostname;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    (IPV4.test(host) && host.startsWith('127.'))
  );
}
