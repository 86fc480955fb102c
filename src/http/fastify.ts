import { ConfigError, StoreUnavailableError } from '../errors.js';
import { registerAuthRoutes, sendFromFastify } from './fastify-routes.js';
import { responseForError } from './guard.js';
import { createNodeRequestReader } from './node.js';
import { optionNames, refuseUnknownOptions } from './option-names.js';
import { bytesFromParsedBody } from './parsed-body.js';
import { unauthenticated } from './routes/sessions.js';
import { cacheHeadersWithCookie } from './shared-caches.js';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';
import type { Latchkey } from './latchkey.js';
import type { ForwardingHeader, TrustProxy } from './proxy.js';
import type { HttpRequest } from './types.js';

/**
 * Latchkey for Fastify 5, as a plugin: `request.latchkey` on every request, the CSRF check on
 * every unsafe request, `requireUser` for routes that need a user, and the auth routes.
 *
 * ```ts
 * const auth = createLatchkey({ sessionStore, userStore, secrets });
 * await app.register(latchkeyPlugin, { latchkey: auth });
 * app.get('/api/secure-data', { preHandler: requireUser }, (request) => request.latchkey?.user);
 * ```
 *
 * @module
 */

/** The live session behind a request and its user, as `request.latchkey` holds them. */
export interface CurrentSession {
  readonly session: Session;
  readonly user: User;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The live session and its user, or null for an anonymous request (`latchkey/fastify`). */
    latchkey: CurrentSession | null;
  }
  interface FastifyContextConfig {
    /** Marks the routes `latchkey/fastify` registers, which run their own checks. */
    latchkeyAuthRoute?: boolean;
  }
}

/** Options for {@link latchkeyPlugin}. */
export interface FastifyLatchkeyOptions {
  /** The instance from `createLatchkey`. Required. */
  latchkey: Latchkey;
  /**
   * Where the auth routes are registered: the instance's `routesPrefix`, which is checked once
   * at registration (a mismatch throws `ConfigError`). Default: `/auth`.
   */
  prefix?: string;
  /**
   * Check every unsafe request of the application (every method but GET, HEAD, OPTIONS, TRACE)
   * for CSRF in a `preHandler` hook, answering 403 with a stable code. With false, put
   * {@link csrf} on each state-changing route yourself. Default: true.
   */
  csrf?: boolean;
  /**
   * Which proxies to believe about the client's address and scheme; see `TrustProxy`.
   * Fastify's own `trustProxy` is not read: set both to the same proxies. Default: false.
   */
  trustProxy?: TrustProxy;
  /** Which header those proxies write; see `ForwardingHeader`. Default: `x-forwarded`. */
  proxyHeader?: ForwardingHeader;
  /**
   * Take the `host` header from those proxies' `X-Forwarded-Host` (or `Forwarded: host=`), for
   * the origin unsafe requests are compared with, only when `Host` is an IP address or a private
   * name; see `ClientResolverOptions`. Default: false.
   */
  trustForwardedHost?: boolean;
}

interface Adapter {
  instance: Latchkey;
  read: ReturnType<typeof createNodeRequestReader>;
}

const ADAPTER = Symbol('latchkey/fastify');

// Replies that carry a renewed session cookie, until they are sent.
const renewing = new WeakSet<FastifyReply>();

type Tagged = FastifyRequest & { [ADAPTER]: Adapter | null };

const FASTIFY_OPTIONS = [
  ...optionNames<FastifyLatchkeyOptions>({
    latchkey: true,
    prefix: true,
    csrf: true,
    trustProxy: true,
    proxyHeader: true,
    trustForwardedHost: true,
  }),
  // Fastify's own options of a registration, which it hands on to the plugin with the rest
  // (`prefix`, the third, is also Latchkey's).
  'logLevel',
  'logSerializers',
];

async function plugin(fastify: FastifyInstance, options: FastifyLatchkeyOptions): Promise<void> {
  // A misspelt `trustProxy` would put every client under the proxy's address.
  refuseUnknownOptions(options, FASTIFY_OPTIONS, '');
  const { latchkey: instance } = options;
  const prefix = options.prefix ?? '/auth';
  await checkPrefix(instance, prefix);
  const adapter: Adapter = {
    instance,
    read: createNodeRequestReader({
      trustProxy: options.trustProxy ?? false,
      proxyHeader: options.proxyHeader ?? 'x-forwarded',
      trustForwardedHost: options.trustForwardedHost ?? false,
      logger: instance.context.logger,
    }),
  };

  fastify.decorateRequest('latchkey', null);
  fastify.decorateRequest(ADAPTER, null);
  fastify.addHook('onRequest', async (request, reply) => {
    (request as Tagged)[ADAPTER] = adapter;
    // The auth routes find the session themselves, and set or clear its cookie.
    if (request.routeOptions.config.latchkeyAuthRoute === true) return;
    let auth;
    try {
      auth = await instance.authenticate(parsedRequest(adapter, request));
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return sendFromFastify(reply, responseForError(error, instance.context.logger));
    }
    if (!auth.authenticated) return;
    request.latchkey = { session: auth.session, user: auth.user };
    if (auth.setCookie !== null) {
      reply.header('set-cookie', auth.setCookie);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      renewing.add(reply);
    }
  });
  // Whatever the route said, no shared cache may keep a reply with the session cookie.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (renewing.delete(reply)) {
      const changes = cacheHeadersWithCookie((name) => {
        const set = reply.getHeader(name);
        return set === undefined ? null : String(set);
      });
      for (const [name, value] of changes) reply.header(name, value);
    }
    return payload;
  });
  if (options.csrf ?? true) fastify.addHook('preHandler', csrf);
  await fastify.register(registerAuthRoutes, { prefix, latchkey: instance, read: adapter.read });
}

/**
 * The plugin. It is not encapsulated (the `skip-override` symbol, as `fastify-plugin` sets it):
 * the hooks and `request.latchkey` apply to the whole application. Register it before the
 * application's routes.
 *
 * - An `onRequest` hook sets `request.latchkey`, appends the renewed session cookie to the
 *   reply's `Set-Cookie` when the session slides (the application's cookies stay), with
 *   `Cache-Control: no-store` unless a route sets its own; a store outage is answered with 503
 *   `STORE_UNAVAILABLE` for a request carrying a session cookie, never read as "logged out".
 * - A `preHandler` hook runs {@link csrf} (unless `csrf: false`).
 * - An option it does not know (`trustproxy`) fails the registration with `ConfigError`, naming
 *   the likely one; Fastify's own `logLevel` and `logSerializers` may be passed too.
 * - The auth routes are registered under `prefix`, in a context of their own whose only
 *   content-type parser leaves the body unread, so that Latchkey reads the raw bytes with its
 *   own limit and errors, exactly as the standalone server does.
 */
export const latchkeyPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'latchkey',
});

/**
 * `preHandler` for routes that need a user: answers 401 `UNAUTHENTICATED` (JSON,
 * `Cache-Control: no-store`) when `request.latchkey` is null. Otherwise the route's reply gets
 * `Cache-Control: no-store` unless one is already set; the route may set its own.
 */
export async function requireUser(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  adapterOf(request, 'requireUser');
  if (request.latchkey === null) return sendFromFastify(reply, unauthenticated());
  // An answer made for one user must not be kept by a shared cache; a route may say otherwise.
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  return undefined;
}

/**
 * `preHandler` with the CSRF check, for applications that register the plugin with
 * `csrf: false`: an unsafe request from another site gets 403 with a stable code
 * (`CSRF_CROSS_SITE`, `CSRF_ORIGIN_MISMATCH`, `CSRF_TOKEN_MISSING`, `CSRF_TOKEN_INVALID`). The
 * token is taken from the `X-CSRF-Token` header or a `csrf_token` field of the parsed form body.
 */
export async function csrf(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (request.routeOptions.config.latchkeyAuthRoute === true) return undefined;
  const adapter = adapterOf(request, 'csrf');
  const refused = await adapter.instance.checkCsrf(parsedRequest(adapter, request));
  return refused === null ? undefined : sendFromFastify(reply, refused);
}

function adapterOf(request: FastifyRequest, name: string): Adapter {
  const adapter = (request as Partial<Tagged>)[ADAPTER];
  if (adapter == null) throw notRegistered(name);
  return adapter;
}

function notRegistered(name: string): Error {
  return new Error(
    `latchkey: ${name} found no Latchkey on the request; register latchkeyPlugin before the route`,
  );
}

/** A request outside the auth routes: the body, if any, is what Fastify's parsers made of it. */
function parsedRequest(adapter: Adapter, request: FastifyRequest): HttpRequest {
  const base = adapter.read(request.raw);
  return {
    method: base.method,
    path: base.path,
    header: (name) => base.header(name),
    clientAddress: base.clientAddress,
    protocol: base.protocol,
    readBody: (limitBytes) => {
      const bytes = bytesFromParsedBody(base.header('content-type'), request.body);
      return Promise.resolve(bytes.byteLength > limitBytes ? null : bytes);
    },
  };
}

/** Fails at registration when the instance's auth routes are not under `prefix`. */
async function checkPrefix(instance: Latchkey, prefix: string): Promise<void> {
  // A cookie-less GET of the session route: answered (401) without touching the store.
  const probe = await instance.handleAuthRoute({
    method: 'GET',
    path: `${prefix}/session`,
    header: () => undefined,
    clientAddress: '127.0.0.1',
    protocol: 'http',
    readBody: () => Promise.resolve(new Uint8Array(0)),
  });
  if (probe === null) {
    throw new ConfigError(
      'prefix',
      `the Latchkey instance does not serve its auth routes under "${prefix}"; pass the ` +
        'routesPrefix given to createLatchkey (default /auth)',
    );
  }
}
