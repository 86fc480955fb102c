import { BlockList, isIP } from 'node:net';

import { ConfigError } from '../errors.js';

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
}

/** What the adapter knows of the connection and the forwarding headers. */
export interface ForwardingInput {
  remoteAddress: string;
  /** Whether the connection itself is TLS. */
  encrypted: boolean;
  forwarded: string | undefined;
  xForwardedFor: string | undefined;
  xForwardedProto: string | undefined;
}

/**
 * Which forwarding header the trusted proxies write: `x-forwarded` (`X-Forwarded-For` and
 * `X-Forwarded-Proto`, what nginx, Traefik and most load balancers send) or `forwarded`
 * (RFC 7239). Only that one is read: a proxy that writes one header passes the other through
 * from the client untouched, so reading both would let a client choose its own address.
 * Default: `x-forwarded`.
 */
export type ForwardingHeader = 'x-forwarded' | 'forwarded';

/** Checks a {@link TrustProxy} once, at start-up, and returns the resolver it describes. */
export function createClientResolver(
  trust: TrustProxy,
  options: { header?: ForwardingHeader } = {},
): (input: ForwardingInput) => ResolvedClient {
  const header = options.header ?? 'x-forwarded';
  if (trust === false) {
    return (input) => ({ address: normalize(input.remoteAddress), protocol: own(input) });
  }
  if (typeof trust === 'number') {
    if (!Number.isSafeInteger(trust) || trust < 1 || trust > 10) {
      throw new ConfigError('trustProxy', 'a hop count must be a whole number from 1 to 10');
    }
    return (input) => resolve(input, header, (_address, hop) => hop < trust);
  }
  const list = new BlockList();
  for (const entry of trust) addToList(list, entry);
  return (input) =>
    resolve(input, header, (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    });
}

function resolve(
  input: ForwardingInput,
  header: ForwardingHeader,
  trusted: (address: string, hop: number) => boolean,
): ResolvedClient {
  const peer = normalize(input.remoteAddress);
  if (!trusted(peer, 0)) return { address: peer, protocol: own(input) };

  // Only the header the proxies are said to write: the other may come from the client.
  const hops = header === 'forwarded' ? parseForwarded(input.forwarded ?? '') : parseXff(input);
  // hops are client-most first; walk from the proxy nearest us towards the client, stopping at
  // the first hop we do not run: everything left of it could be made up by the client.
  let index = hops.length - 1;
  let hop = 1;
  while (index >= 0) {
    const candidate = hops[index];
    if (candidate === undefined || candidate.address === null) break;
    if (!trusted(candidate.address, hop) || index === 0) break;
    index -= 1;
    hop += 1;
  }
  const client = hops[index];
  const address = client?.address ?? peer;
  // Forwarded: the element for the client was added by the first proxy we run, describing the
  // client's connection. X-Forwarded-Proto: the rightmost value is the one our nearest proxy
  // set; values to its left may come from the client.
  const protocol =
    header === 'forwarded'
      ? (client?.protocol ?? own(input))
      : (scheme((input.xForwardedProto ?? '').split(',').at(-1) ?? '') ?? own(input));
  return { address, protocol };
}

interface Hop {
  address: string | null;
  protocol: 'http' | 'https' | undefined;
}

function parseXff(input: ForwardingInput): Hop[] {
  return (input.xForwardedFor ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => ({ address: toAddress(part), protocol: undefined }));
}

function parseForwarded(header: string): Hop[] {
  return header.split(',').map((element) => {
    let address: string | null = null;
    let protocol: Hop['protocol'];
    for (const pair of element.split(';')) {
      const equals = pair.indexOf('=');
      if (equals === -1) continue;
      const name = pair.slice(0, equals).trim().toLowerCase();
      const value = pair
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (name === 'for') address = toAddress(value);
      else if (name === 'proto') protocol = scheme(value);
    }
    return { address, protocol };
  });
}

/** An address from a forwarding header, without brackets or port; null when not an IP. */
function toAddress(value: string): string | null {
  let text = value.trim();
  if (text.startsWith('['))
    text = text.slice(1, text.indexOf(']') === -1 ? undefined : text.indexOf(']'));
  else if (isIP(text) === 0 && /^[\d.]+:\d+$/.test(text))
    text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) === 0 ? null : normalize(text);
}

function scheme(value: string): 'http' | 'https' | undefined {
  const lower = value.trim().toLowerCase();
  return lower === 'https' || lower === 'http' ? lower : undefined;
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
