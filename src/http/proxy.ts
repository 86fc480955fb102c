import { BlockList, isIP } from 'node:net';

import { ConfigError } from '../errors.js';
import { parseForwardedTail } from './forwarded-header.js';
import { hostValue, namesUpstream } from './forwarded-host.js';

/**
 * Which peers may tell us who the client is. Default `false`: the socket's peer is the client
 * and the connection's own scheme is the protocol; forwarding headers are ignored, since any
 * client can send them.
 *
 * - a number N: the last N hops (the socket peer counting as the first) are proxies we run;
 * - a list of addresses and CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`): hops from these are
 *   proxies we run, however many there are.
 */
export type TrustProxy = false | number | readonly string[];

/** Who the client is and how it reached us, after believing only trusted proxies. */
export interface ResolvedClient {
  /** The client's address. */
  address: string;
  /** The scheme the client used for the request. */
  protocol: 'http' | 'https';
  /**
   * The host the client asked for (`host[:port]`, lower-cased), as the trusted proxies forward
   * it: only with `trustForwardedHost`, and only when they sent one. `''` when what they sent is
   * not a host, which no host check or origin accepts. Otherwise undefined: use `Host`.
   */
  host?: string;
  /**
   * True when a trusted proxy forwarded a host other than `Host` but `Host` is a public name, so
   * the forwarded host was not read (see `ClientResolverOptions.trustForwardedHost`).
   */
  forwardedHostUnread?: true;
}

/** What the adapter knows of the connection and the forwarding headers. */
export interface ForwardingInput {
  remoteAddress: string;
  /** Whether the connection itself is TLS. */
  encrypted: boolean;
  forwarded: string | undefined;
  xForwardedFor: string | undefined;
  xForwardedProto: string | undefined;
  /** Read only with `trustForwardedHost`. */
  xForwardedHost?: string | undefined;
  /** The request's own `Host`; read only with `trustForwardedHost`. */
  host?: string | undefined;
}

/**
 * Which forwarding header the trusted proxies write: `x-forwarded` (`X-Forwarded-For` and
 * `X-Forwarded-Proto`, what nginx, Traefik and most load balancers send) or `forwarded`
 * (RFC 7239). Only that one is read: a proxy that writes one header passes the other through
 * from the client untouched, so reading both would let a client choose its own address.
 * Default: `x-forwarded`.
 */
export type ForwardingHeader = 'x-forwarded' | 'forwarded';

/** How {@link createClientResolver} reads what the trusted proxies write. */
export interface ClientResolverOptions {
  /** Which header they write; see {@link ForwardingHeader}. Default: `x-forwarded`. */
  header?: ForwardingHeader;
  /**
   * Take the host the client asked for from the trusted proxies too: the last value of
   * `X-Forwarded-Host`, or the `host` of the last `Forwarded` element (both what the nearest
   * proxy wrote). For a proxy that sends Latchkey its own address in `Host`, as Traefik's
   * `forwardAuth` does; the `Host` check and the origin that unsafe requests are compared with
   * then use the forwarded host. It is believed only when the request's own `Host` names
   * Latchkey as a proxy does: an IP address, a name without a dot (a container's), or a name
   * under `.localhost`, `.internal`, `.home.arpa` or `.cluster.local`; under any other name it
   * is not read. Turn it on only when every trusted proxy sets (or removes) that header: nginx,
   * for one, passes a client's `X-Forwarded-Host` on untouched unless told `proxy_set_header
   * X-Forwarded-Host $host;`. Needs `trustProxy`. Default: false.
   */
  trustForwardedHost?: boolean;
}

/** Checks a {@link TrustProxy} once, at start-up, and returns the resolver it describes. */
export function createClientResolver(
  trust: TrustProxy,
  options: ClientResolverOptions = {},
): (input: ForwardingInput) => ResolvedClient {
  const header = options.header ?? 'x-forwarded';
  const withHost = options.trustForwardedHost ?? false;
  if (trust === false || (typeof trust !== 'number' && trust.length === 0)) {
    if (withHost) {
      throw new ConfigError(
        'trustForwardedHost',
        'a forwarded host is read only from trusted proxies; set trustProxy to them as well',
      );
    }
    return (input) => ({ address: normalize(input.remoteAddress), protocol: own(input) });
  }
  if (typeof trust === 'number') {
    if (!Number.isSafeInteger(trust) || trust < 1 || trust > 10) {
      throw new ConfigError('trustProxy', 'a hop count must be a whole number from 1 to 10');
    }
    return (input) => resolve(input, header, withHost, (_address, hop) => hop < trust);
  }
  const list = new BlockList();
  for (const entry of trust) addToList(list, entry);
  return (input) =>
    resolve(input, header, withHost, (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    });
}

function resolve(
  input: ForwardingInput,
  header: ForwardingHeader,
  withHost: boolean,
  trusted: (address: string, hop: number) => boolean,
): ResolvedClient {
  const peer = normalize(input.remoteAddress);
  if (!trusted(peer, 0)) return { address: peer, protocol: own(input) };

  // Only the header the proxies are said to write: the other may come from the client. Of a
  // Forwarded header out of its grammar, only the well-formed tail the proxies appended is read.
  const hops = header === 'forwarded' ? parseForwarded(input.forwarded ?? '') : parseXff(input);
  if (hops === null) return { address: peer, protocol: own(input) };
  // hops are client-most first; walk from the proxy nearest us towards the client, stopping at
  // the first hop we do not run: everything left of it could be made up by the client.
  let index = hops.length - 1;
  let hop = 1;
  while (index >= 0) {
    const candidate = hops.at(index);
    if (candidate === undefined || candidate.address === null) break;
    if (!trusted(candidate.address, hop) || index === 0) break;
    index -= 1;
    hop += 1;
  }
  const client = hops.at(index);
  const address = client?.address ?? peer;
  // Forwarded: the element for the client was added by the first proxy we run, describing the
  // client's connection. X-Forwarded-Proto: the rightmost value is the one our nearest proxy
  // set; values to its left may come from the client.
  const protocol =
    header === 'forwarded'
      ? (client?.protocol ?? own(input))
      : (scheme((input.xForwardedProto ?? '').split(',').at(-1) ?? '') ?? own(input));
  if (!withHost) return { address, protocol };
  // The host as our nearest proxy received it: the last Forwarded element (which that proxy
  // added) or the last X-Forwarded-Host value. Values to their left may come from the client.
  const forwarded =
    header === 'forwarded'
      ? hops.at(hops.length - 1)?.host
      : input.xForwardedHost?.split(',').at(-1);
  if (forwarded === undefined) return { address, protocol };
  const host = hostValue(forwarded);
  if (namesUpstream(input.host)) return { address, protocol, host };
  // Not read beside a public Host; worth telling only when it names another host than Host does.
  const unread = host !== (input.host ?? '').trim().toLowerCase();
  return unread ? { address, protocol, forwardedHostUnread: true } : { address, protocol };
}

interface Hop {
  address: string | null;
  protocol: 'http' | 'https' | undefined;
  host?: string;
}

/** The hops, client-most first, each read only when the walk from the nearest one asks for it. */
interface Hops {
  length: number;
  at(index: number): Hop | undefined;
}

function parseXff(input: ForwardingInput): Hops {
  const parts = (input.xForwardedFor ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return {
    length: parts.length,
    at: (index) => {
      const part = parts[index];
      return part === undefined ? undefined : { address: toAddress(part), protocol: undefined };
    },
  };
}

// The most elements a walk reads: ten trusted hops (the largest count) and the client's.
const MAX_HOPS = 11;

function parseForwarded(header: string): Hops | null {
  const elements = parseForwardedTail(header, MAX_HOPS);
  if (elements === null) return null;
  return {
    length: elements.length,
    at: (index) => {
      const element = elements[index];
      if (element === undefined) return undefined;
      const host = element.get('host');
      const hop = {
        address: toAddress(element.get('for') ?? ''),
        protocol: scheme(element.get('proto') ?? ''),
      };
      return host === undefined ? hop : { ...hop, host };
    },
  };
}

/** An address from a forwarding header, without brackets or port; null when not an IP. */
function toAddress(value: string): string | null {
  let text = value.trim();
  if (text.startsWith('['))
    text = text.slice(1, text.indexOf(']') === -1 ? undefined : text.indexOf(']'));
  // RFC 7239 section 6: a port, or an obfuscated one (`_abc`), after an IPv4 address.
  else if (isIP(text) === 0 && /^[\d.]+:(?:\d+|_[\w.-]+)$/.test(text))
    text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) === 0 ? null : normalize(text);
}

// ws and wss: what Traefik writes for a WebSocket handshake when it passes the header on.
function scheme(value: string): 'http' | 'https' | undefined {
  const lower = value.trim().toLowerCase();
  if (lower === 'https' || lower === 'wss') return 'https';
  return lower === 'http' || lower === 'ws' ? 'http' : undefined;
}

function own(input: ForwardingInput): 'http' | 'https' {
  return input.encrypted ? 'https' : 'http';
}

/**
 * One spelling per address, for throttling and logs: IPv6 compressed and lowercased as
 * RFC 5952 writes it, and an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, `::ffff:a00:1`) as
 * the IPv4 address it carries.
 */
function normalize(address: string): string {
  if (isIP(address) !== 6) return address;
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped === null) return canonical;
  const high = Number.parseInt(mapped[1] ?? '0', 16);
  const low = Number.parseInt(mapped[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function addToList(list: BlockList, entry: string): void {
  const [address = '', prefix] = entry.trim().split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  const maxBits = family === 6 ? 128 : 32;
  if (
    family === 0 ||
    (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > maxBits))
  ) {
    throw new ConfigError(
      'trustProxy',
      `"${entry}" is not an IP address or CIDR range; list proxies as e.g. 10.0.0.0/8 or ::1`,
    );
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(address, type);
  else list.addSubnet(address, bits, type);
}
