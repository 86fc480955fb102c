import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';

import { ConfigError, StoreUnavailableError } from '../errors.js';
import { createAuthContext } from '../http/context.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import { withErrorResponses } from '../http/guard.js';
import { errorResponse } from '../http/respond.js';
import { describeError } from '../log.js';
import { createNodeRequestReader, writeNodeResponse } from '../http/node.js';
import { createServerApp, withSecurityHeaders } from './app.js';
import { answerClientError, hostLinesProblem } from './client-errors.js';
import { loadOrCreateDevCertificate } from './dev-cert.js';
import { isDemoAssetPath } from './demo/assets.js';
import { ensureInstalled } from './installed.js';
import { createServerMetrics, routeLabel } from './metrics.js';
import { loadOrCreateSecrets } from './secrets.js';
import { inServerTerms } from './server-terms.js';
import { migrationWaitDetail, openStores } from './stores.js';
import { loadTlsCredentials } from './tls.js';
import { createWriteBatch } from './write-batch.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { SessionPolicy } from '../session/index.js';
import type { ThrottlePolicy } from '../throttle/index.js';
import type { ServerConfig } from './config.js';

// The answer to a request with two Host lines, or an HTTP/1.1 one with none (RFC 9112 section
// 3.2), which runs no route.
const badHost = (message: string) => errorResponse(400, 'HOST_INVALID', message);

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`, or `https://127.0.0.1:3000` over TLS. */
  url: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Where the data is, fit for logs (passwords masked). */
  store: string;
  /** The certificate served over HTTPS, or null for plain HTTP. */
  certificate: ServedCertificate | null;
  /** Stops accepting, finishes in-flight requests (waiting up to 5 s), closes the database. */
  close(): Promise<void>;
}

/** The certificate a server presents over HTTPS. */
export interface ServedCertificate {
  /** `files` for `--tls-cert`/`--tls-key`; `dev` for the development certificate. */
  source: 'files' | 'dev';
  certFile: string;
  keyFile: string;
  /** Base64 SHA-256 of its SubjectPublicKeyInfo, for `--ignore-certificate-errors-spki-list`. */
  spkiSha256Base64: string;
  notAfter: Date;
  /** For `dev`: whether it was made at this start (false: the kept one was reused). */
  created: boolean;
}

/** Extras for {@link startServer}, mostly for tests. */
export interface StartServerOptions {
  logger: Logger;
  /** Milliseconds since the epoch (also dates the development certificate). Default: `Date.now`. */
  clock?: () => number;
  /** Session lifetimes; see `SessionPolicy` for defaults. */
  session?: Partial<SessionPolicy>;
  /** Login throttling; see `ThrottlePolicy` for defaults. */
  throttle?: Partial<ThrottlePolicy>;
  /** How recent a login must be for a password change. Unit: seconds. Default: 600. */
  freshLoginSeconds?: number;
  /** How often expired sessions are swept. Unit: milliseconds. Default: 600,000 (10 minutes). */
  sweepIntervalMs?: number;
}

/** File name of the SQLite database inside the data folder. */
export const DATABASE_FILE = 'latchkey.db';

/**
 * Starts the standalone server on SQLite: opens (and migrates) the database in the data
 * folder, then listens. Everything is checked before the port is bound, so a bad configuration
 * fails here with a `ConfigError`.
 */
export async function startServer(
  config: ServerConfig,
  options: StartServerOptions,
): Promise<RunningServer> {
  // With a scrape token, every event logged is counted for GET /metrics on its way.
  const metrics = config.metricsToken === null ? null : createServerMetrics(config.metricsToken);
  const logger = metrics === null ? options.logger : metrics.countingLogger(options.logger);

  // The data folder holds password hashes, session hashes and the signing secret: readable by
  // its owner only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = config.secrets ?? loadOrCreateSecrets(config.dataDir).secrets;
  const secretsFrom =
    config.secrets === null
      ? `the secrets file in ${config.dataDir}`
      : 'LATCHKEY_SECRETS (or --secrets-file)';
  const tls = prepareTls(config, options.clock);
  ensureInstalled(['@zxcvbn-ts/language-common', ...(config.dbsc.enabled ? ['jose'] : [])]);
  let readRequest;
  try {
    readRequest = createNodeRequestReader({
      trustProxy: config.trustProxy,
      proxyHeader: config.proxyHeader,
      trustForwardedHost: config.trustForwardedHost,
      logger,
    });
  } catch (error) {
    throw error instanceof ConfigError ? inServerTerms(error, secretsFrom) : error;
  }
  const stores = await openStores(config.store, {
    // A lost Redis connection (calls fail with 503 on their own meanwhile), or tracking refused.
    onClientError: (error) => {
      logger.log('warn', 'store.client_error', { detail: describeError(error) });
    },
    onMigrationWait: () => {
      logger.log('warn', 'store.migration_waiting', { detail: migrationWaitDetail(config.store) });
    },
  });
  if (config.secrets === null && config.store.kind !== 'sqlite') {
    // Other servers on the same store generate secrets of their own: CSRF tokens and device
    // cookies issued here would be refused there.
    logger.log('warn', 'server.secret_not_shared', {
      detail: 'a shared store with a secret generated in the data folder; set LATCHKEY_SECRETS',
    });
  }
  let context;
  try {
    context = createAuthContext({
      sessionStore: stores.sessions,
      userStore: stores.users,
      secrets,
      cookie: config.cookie,
      dbsc: config.dbsc,
      registration: config.registration,
      clearSiteDataOnLogout: config.clearSiteDataOnLogout,
      trustedOrigins: config.trustedOrigins,
      accounts: { passwordPolicy: { contextWords: config.passwordContextWords } },
      logger,
      ...(config.origin === undefined ? {} : { origin: config.origin }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      session: { ...config.session, ...options.session },
      ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
      ...optional('freshLoginSeconds', options.freshLoginSeconds ?? config.freshLoginSeconds),
    });
  } catch (error) {
    await stores.close();
    throw error instanceof ConfigError ? inServerTerms(error, secretsFrom) : error;
  }
  const { sessions } = context;
  const handle = withErrorResponses(
    createServerApp(context, {
      allowedHosts: config.allowedHosts,
      // A read that must reach the store (throttle counters are never kept in memory).
      checkStore: () => stores.sessions.findThrottle(HEALTH_PROBE_KEY, new Date(context.clock())),
      ...(metrics === null ? {} : { metrics }),
    }),
    logger,
  );

  // Under load, the answers of a turn of the event loop are written together (write-batch.ts).
  const writeSoon = createWriteBatch();
  const listener = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const started = performance.now();
    const request = readRequest(incoming);
    const hostProblem = hostLinesProblem(incoming.rawHeaders, incoming.httpVersion);
    const answer =
      hostProblem === null
        ? handle(request)
        : Promise.resolve(withSecurityHeaders(badHost(hostProblem), request));
    void answer.then((response) => {
      writeSoon(() => {
        try {
          // A request whose Host lines are wrong ends its connection, as node:http's own check did.
          writeNodeResponse(outgoing, response, {
            closeConnection: request.bodyAbandoned || hostProblem !== null,
          });
        } catch (error) {
          // node:http refused the answer: the client sees its connection closed, not a hang.
          outgoing.destroy();
          logger.log('error', 'http.write_failed', {
            method: request.method,
            path: request.path.slice(0, 200),
            status: response.status,
            detail: describeError(error),
            client: request.clientAddress,
          });
          return;
        }
        const durationMs = performance.now() - started;
        metrics?.countRequest(
          routeLabel(request.path, isDemoAssetPath),
          response.status,
          durationMs / 1000,
        );
        logger.log('info', 'http.request', {
          method: request.method,
          path: request.path.slice(0, 200),
          status: response.status,
          durationMs: Math.round(durationMs * 100) / 100,
          client: request.clientAddress,
        });
      });
    });
  };
  // HTTP/1.1 over TLS when a certificate is configured. The request reader takes the scheme
  // from the connection itself (a TLS socket), never from a header a client could write.
  const server =
    tls === null
      ? createHttpServer({ requireHostHeader: false }, listener)
      : createHttpsServer(
          { cert: tls.pem.cert, key: tls.pem.key, requireHostHeader: false },
          listener,
        );
  // Expect: 100-continue. The client is told to send its body only when its Host lines are
  // right and the length it declares is one a route reads: a request refused for those is
  // answered (400, 413) before any body is sent.
  server.on('checkContinue', (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const declaredBytes = Number(incoming.headers['content-length'] ?? 0);
    if (
      hostLinesProblem(incoming.rawHeaders, incoming.httpVersion) === null &&
      !(declaredBytes > MAX_BODY_BYTES)
    ) {
      outgoing.writeContinue();
    }
    listener(incoming, outgoing);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket, logger);
  });
  // Bound how long a client may take, so slow senders cannot hold connections open forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await stores.close();
    throw error;
  });

  // One sweep at a time (a table that takes longer to sweep than the interval is not swept twice
  // over), and none left running at close: the store is closed only once the sweep under way has
  // finished its batch and stopped.
  const stopSweeping = new AbortController();
  let sweeping: Promise<void> | null = null;
  const sweep = (): void => {
    if (sweeping !== null) return;
    sweeping = sessions
      .deleteExpiredSessions({ signal: stopSweeping.signal })
      .then(
        () => undefined,
        (error: unknown) => {
          // A sweep cut short by close() may fail on the store being closed: not worth an error.
          if (stopSweeping.signal.aborted) return;
          // What the store said, as for a request (store.unavailable), not only that it failed.
          const reason = error instanceof StoreUnavailableError ? error.cause : error;
          logger.log('error', 'session.sweep_failed', { detail: describeError(reason) });
        },
      )
      .finally(() => {
        sweeping = null;
      });
  };
  sweep();
  const sweeper = setInterval(sweep, options.sweepIntervalMs ?? 600_000);
  sweeper.unref();

  const { port } = server.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls === null ? 'http' : 'https'}://${hostForUrl}:${port}`;
  logger.log('info', 'server.started', {
    url,
    tls: tls === null ? 'off' : tls.served.source,
    ...(tls === null
      ? {}
      : {
          spkiSha256: tls.served.spkiSha256Base64,
          certificateNotAfter: tls.served.notAfter.toISOString(),
        }),
    store: stores.description,
    cookieName: context.cookie.name,
    sameSite: config.cookie.sameSite,
    registration: config.registration,
    dbsc: config.dbsc.enabled,
    metrics: metrics !== null,
    trustProxy: config.trustProxy === false ? 'off' : String(config.trustProxy),
    ...(config.trustForwardedHost ? { trustForwardedHost: true } : {}),
    idleTimeoutSeconds: sessions.policy.idleTimeoutSeconds,
    absoluteLifetimeSeconds: sessions.policy.absoluteLifetimeSeconds,
  });

  return {
    url,
    port,
    store: stores.description,
    certificate: tls?.served ?? null,
    close: async () => {
      clearInterval(sweeper);
      stopSweeping.abort();
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      // A keep-alive connection still answering is ended a moment after its last answer, not
      // left to idle out (5 s, and close() waiting with it). node:http reads this timeout as each
      // answer finishes, and sets none while a request pipelined behind it waits: that request
      // is answered too (`Connection: close` on the first answer would drop it).
      server.keepAliveTimeout = 1;
      server.closeIdleConnections();
      const force = setTimeout(() => {
        server.closeAllConnections();
      }, 5_000);
      await closed;
      clearTimeout(force);
      await settledWithin(sweeping, SWEEP_STOP_WAIT_MS);
      await stores.close();
      logger.log('info', 'server.stopped', {});
    },
  };
}

/**
 * How long close() waits for the sweep under way to finish its batch before it closes the store
 * anyway (a store call that hangs must not hold a shutdown). Unit: milliseconds. 5,000.
 */
const SWEEP_STOP_WAIT_MS = 5_000;

/** Resolves when `work` settles (however it settles) or after `ms`, whichever comes first. */
async function settledWithin(work: Promise<unknown> | null, ms: number): Promise<void> {
  if (work === null) return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.then(noop, noop), waited]);
  clearTimeout(timer);
}

function noop(): void {
  // Nothing to do: only that it settled matters.
}

/**
 * The certificate to serve, checked before anything binds: the configured files, else the
 * development certificate (made or reused in the data folder), else none.
 */
function prepareTls(
  config: ServerConfig,
  clock: (() => number) | undefined,
): { pem: { cert: string; key: string }; served: ServedCertificate } | null {
  if (config.tls !== null) {
    let credentials;
    try {
      credentials = loadTlsCredentials(config.tls, { cert: 'tls.certFile', key: 'tls.keyFile' });
    } catch (error) {
      throw error instanceof ConfigError ? inServerTerms(error, '') : error;
    }
    return {
      pem: credentials,
      served: {
        source: 'files',
        ...config.tls,
        spkiSha256Base64: credentials.spkiSha256Base64,
        notAfter: credentials.notAfter,
        created: false,
      },
    };
  }
  if (!config.devCert) return null;
  const kept = loadOrCreateDevCertificate(config.dataDir, clock === undefined ? {} : { clock });
  return {
    pem: { cert: kept.certPem, key: kept.keyPem },
    served: {
      source: 'dev',
      certFile: kept.certFile,
      keyFile: kept.keyFile,
      spkiSha256Base64: kept.spkiSha256Base64,
      notAfter: kept.notAfter,
      created: kept.created,
    },
  };
}

/** `{ [key]: value }`, or nothing when the value is undefined (exact optional properties). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// The throttle key `GET /healthz` reads: no login or registration key looks like it.
const HEALTH_PROBE_KEY = 'health:probe';
