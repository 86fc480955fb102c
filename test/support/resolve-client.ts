import { createClientResolver } from '../../src/http/proxy.js';

import type {
  ForwardingHeader,
  ForwardingInput,
  ResolvedClient,
  TrustProxy,
} from '../../src/http/proxy.js';

/** The socket peer of every case unless it says otherwise. */
export const PEER = '127.0.0.1';

/** One row of a table of client-resolution cases. */
export interface ResolverCase {
  name: string;
  trust: TrustProxy;
  input: Partial<ForwardingInput>;
  address: string;
  protocol?: 'http' | 'https';
}

/**
 * Resolves a plain-HTTP connection from {@link PEER} carrying only the given headers; with
 * `trustForwardedHost`, also the forwarded host.
 */
export function resolveClient(
  trust: TrustProxy,
  input: Partial<ForwardingInput>,
  header: ForwardingHeader = input.forwarded === undefined ? 'x-forwarded' : 'forwarded',
  options: { trustForwardedHost?: boolean } = {},
): ResolvedClient {
  return createClientResolver(trust, { header, ...options })({
    remoteAddress: PEER,
    encrypted: false,
    forwarded: undefined,
    xForwardedFor: undefined,
    xForwardedProto: undefined,
    ...input,
  });
}
