/**
 * The host a trusted proxy forwards (`X-Forwarded-Host`, `Forwarded: host=`), for
 * `trustForwardedHost`: when it may be believed, and what of it is a host.
 */
import { isIP } from 'node:net';

// Names kept out of the public DNS, as private networks use them: RFC 6761's localhost, RFC
// 8375's home.arpa, the internal that ICANN keeps back, and Kubernetes' cluster.local. Not RFC
// 6762's other .local names: anyone on the LAN answers those (mDNS).
const PRIVATE_SUFFIXES = ['.localhost', '.internal', '.home.arpa', '.cluster.local'];

/**
 * Whether `Host` names Latchkey as a proxy in front of it does: by an IP address, by a name without
 * a dot (a container's, `localhost`), or by a name under a suffix kept out of the public DNS (a
 * dotless name may still be completed by the resolver's search domains, or answered on the LAN:
 * docs/security.md, Known limitations). A forwarded host is believed only then: a page can send
 * `X-Forwarded-Host` too, and a page that reaches Latchkey from a trusted address (a browser on the
 * proxy's machine) does so under a public name of its author's (DNS rebinding), which is then the
 * host checked.
 */
export function namesUpstream(host: string | undefined): boolean {
  if (host === undefined) return false;
  // Without its port, and without the final dot of a fully qualified name.
  const name = host
    .trim()
    .toLowerCase()
    .replace(/:\d*$/, '')
    .replace(/(?<=[^.])\.$/, '');
  if (name.startsWith('[')) return name.endsWith(']') && isIP(name.slice(1, -1)) === 6;
  if (isIP(name) !== 0 || !name.includes('.')) return name !== '';
  return PRIVATE_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

// RFC 9110 section 7.2: uri-host [ ":" port ]. Names are kept to what DNS and proxies' own
// configurations use (letters, digits, dots, hyphens, underscores), addresses as IPv4 or a
// bracketed IPv6 literal.
const HOST = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** A forwarded host, lower-cased; `''` when it is not one, so that nothing accepts it. */
export function hostValue(value: string): string {
  const host = value.trim().toLowerCase();
  return HOST.test(host) ? host : '';
}
