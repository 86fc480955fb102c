import { ConfigError } from '../errors.js';
import { MAX_BODY_BYTES } from './body.js';
import { createNodeRequestReader, writeNodeResponse } from './node.js';
import { optionNames, refuseUnknownOptions } from './option-names.js';
import { keepFromSharedCaches } from './shared-caches.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { Latchkey } from './latchkey.js';
import type { NodeAdapterOptions, NodeHttpRequest } from './node.js';
import type { HttpResponse } from './types.js';

/** Options for {@link latchkeyNode}. */
export interface LatchkeyNodeOptions extends Pick<
  NodeAdapterOptions,
  'trustProxy' | 'proxyHeader' | 'trustForwardedHost'
> {
  /**
   * The largest body read from a request, shared by Latchkey and the application through
   * `readBody`; at least 16,384, since the auth routes accept up to that much (and refuse
   * more, as the standalone server does). Unit: bytes. Default: 1,048,576 (1 MiB).
   */
  maxBodyBytes?: number;
}

/** The live session and user behind a request. */
export interface NodeAuth {
  session: Session;
  user: User;
}

/** Latchkey for a plain node:http application; see {@link latchkeyNode}. */
export interface LatchkeyNode {
  /**
   * Answers the request when it is for an auth route (under `routesPrefix`, default `/auth`),
   * exactly as the standalone server would, and resolves true; resolves false, writing
   * nothing, for any other path.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /**
   * The live session and user, or null for none. A renewed session cookie, when due, is added
   * to `res` with `appendHeader` (and `Cache-Control: no-store` unless `res` has one). Throws
   * `StoreUnavailableError` when the store fails.
   */
  getAuth(req: IncomingMessage, res: ServerResponse): Promise<NodeAuth | null>;
  /**
   * For a route that needs a user: the session and user (renewal cookie added to `res`, and
   * `Cache-Control: no-store` unless `res` has one), or null after writing the 401
   * `UNAUTHENTICATED` (503 `STORE_UNAVAILABLE` when the store fails) itself.
   */
  requireUser(req: IncomingMessage, res: ServerResponse): Promise<NodeAuth | null>;
  /**
   * The CSRF check for the application's own unsafe requests: true to go on; false after
   * writing the 403 (or 503) itself. Run it before reading the body, and read the body with
   * {@link LatchkeyNode.readBody} afterwards: the check may have read it to find a form token.
   */
  checkCsrf(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The request body, up to `maxBodyBytes`; null when larger. Reading twice is fine. */
  readBody(req: IncomingMessage): Promise<Uint8Array | null>;
}

const NODE_OPTIONS = optionNames<LatchkeyNodeOptions>({
  trustProxy: true,
  proxyHeader: true,
  trustForwardedHost: true,
  maxBodyBytes: true,
});

/**
 * Latchkey for node:http: translation only (`createLatchkey` decides everything). The
 * renewal cookie is added with `res.appendHeader`, so set the application's own cookies with
 * `appendHeader` too: `setHeader('Set-Cookie', ...)` would replace it.
 *
 * ```ts
 * const auth = latchkeyNode(latchkey);
 * createServer(async (req, res) => {
 *   if (await auth.handle(req, res)) return;
 *   if (!(await auth.checkCsrf(req, res))) return;
 *   const user = await auth.requireUser(req, res);
 *   if (user === null) return;
 *   res.end(JSON.stringify({ email: user.user.email }));
 * });
 * ```
 */
export function latchkeyNode(latchkey: Latchkey, options: LatchkeyNodeOptions = {}): LatchkeyNode {
  refuseUnknownOptions(options, NODE_OPTIONS, '');
  const read = createNodeRequestReader(options);
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < MAX_BODY_BYTES) {
    throw new ConfigError(
      'maxBodyBytes',
      `must be a whole number of bytes, ${MAX_BODY_BYTES} or more; leave it out for the default (1 MiB)`,
    );
  }
  const seen = new WeakMap<IncomingMessage, NodeHttpRequest>();
  const translate = (req: IncomingMessage): NodeHttpRequest => {
    let request = seen.get(req);
    if (request === undefined) {
      request = sharingBody(read(req), maxBodyBytes);
      seen.set(req, request);
    }
    return request;
  };
  const send = (req: IncomingMessage, res: ServerResponse, response: HttpResponse): void => {
    writeNodeResponse(res, response, { closeConnection: translate(req).bodyAbandoned });
  };

  return {
    async handle(req, res) {
      const response = await latchkey.handleAuthRoute(translate(req));
      if (response === null) return false;
      send(req, res, response);
      return true;
    },
    async getAuth(req, res) {
      const auth = await latchkey.authenticate(translate(req));
      if (!auth.authenticated) return null;
      if (auth.setCookie !== null) renew(res, auth.setCookie);
      return { session: auth.session, user: auth.user };
    },
    async requireUser(req, res) {
      const guard = await latchkey.requireUser(translate(req));
      if (!guard.ok) {
        send(req, res, guard.response);
        return null;
      }
      const { session, user, setCookie } = guard.auth;
      if (setCookie !== null) renew(res, setCookie);
      noStoreUnlessSet(res);
      return { session, user };
    },
    async checkCsrf(req, res) {
      const refused = await latchkey.checkCsrf(translate(req));
      if (refused === null) return true;
      send(req, res, refused);
      return false;
    },
    readBody: (req) => translate(req).readBody(maxBodyBytes),
  };
}

function renew(res: ServerResponse, setCookie: string): void {
  res.appendHeader('Set-Cookie', setCookie);
  keepFromSharedCaches(res);
}

// A response about one user, or one that sets a session cookie, must not be kept by a shared
// cache (RFC 9111 section 5.2.2.5); the application may still set its own Cache-Control later.
function noStoreUnlessSet(res: ServerResponse): void {
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
}

/**
 * The request with its body read once, up to `maxBodyBytes`, for every reader: each gets it
 * when it fits the limit it asks for, else null (as when the body was too large to read).
 */
function sharingBody(request: NodeHttpRequest, maxBodyBytes: number): NodeHttpRequest {
  let body: Promise<Uint8Array | null> | undefined;
  return {
    method: request.method,
    path: request.path,
    // Resolved when asked, as the request itself does: most requests never ask.
    get clientAddress() {
      return request.clientAddress;
    },
    get protocol() {
      return request.protocol;
    },
    header: (name) => request.header(name),
    get bodyAbandoned() {
      return request.bodyAbandoned;
    },
    async readBody(limitBytes) {
      body ??= request.readBody(maxBodyBytes);
      const bytes = await body;
      return bytes === null || bytes.byteLength > limitBytes ? null : bytes;
    },
  };
}
