// better-auth 1.7 on node:http over its SQLite support (a better-sqlite3 Database in
// FIELD_DATA_DIR, tables created with its own migrations), configured as its documentation's
// installation guide shows: email and password enabled, every other option at its default. In
// particular the session cookie cache is off (`session.cookieCache.enabled` defaults to false),
// so every session check reads the session and its user from SQLite; a session is refreshed
// (written) at most once a day (`updateAge`).
//
// The auth routes are better-auth's own handler under /api/auth/ (`toNodeHandler`);
// GET /api/secure-data checks the session with `auth.api.getSession({ headers })` and answers as
// Latchkey's route does.
//
// Telemetry is off twice over: `telemetry: { enabled: false }` here and BETTER_AUTH_TELEMETRY=0
// from the benchmark, which also removes BETTER_AUTH_TELEMETRY_ENDPOINT from the environment
// (without an endpoint, @better-auth/telemetry 1.7.29 has nowhere to send anything). As a last
// guard, this process refuses any fetch() to a host other than loopback.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';

import {
  listenOnLoopback,
  secureDataAnswer,
  sendJson,
  UNAUTHENTICATED_ANSWER,
} from '../lib/target-app.js';

import type { IncomingMessage, ServerResponse } from 'node:http';

refuseFetchBeyondLoopback();

const dataDir = process.env.FIELD_DATA_DIR ?? 'data';
mkdirSync(dataDir, { recursive: true });
const database = new Database(join(dataDir, 'better-auth.db'));

// The base URL carries the port: the port is taken first, better-auth set up after.
let route: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
const server = createServer((req, res) => {
  if (route === null) {
    sendJson(res, 503, { error: { code: 'STARTING' } });
    return;
  }
  route(req, res).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL_ERROR' } });
    else res.destroy();
  });
});
listenOnLoopback(server, {
  prepare: async (port) => {
    route = await createRoute(port);
  },
  onClose: () => database.close(),
});

async function createRoute(
  port: number,
): Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  const options = {
    baseURL: `http://127.0.0.1:${port}`,
    secret: 'benchmark secret of at least thirty-two bytes',
    database,
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const auth = betterAuth(options);
  const authHandler = toNodeHandler(auth);

  return async (req, res) => {
    if (req.url?.startsWith('/api/auth/') === true) {
      await authHandler(req, res);
      return;
    }
    if (req.method === 'GET' && req.url === '/api/secure-data') {
      const found = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
      if (found === null) {
        sendJson(res, 401, UNAUTHENTICATED_ANSWER);
        return;
      }
      const user = {
        id: found.user.id,
        email: found.user.email,
        createdAt: found.user.createdAt.toISOString(),
      };
      sendJson(res, 200, secureDataAnswer(user, found.session.expiresAt));
      return;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND' } });
  };
}

/** Any fetch() to a host other than loopback fails, so that nothing leaves the machine. */
function refuseFetchBeyondLoopback(): void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      process.stderr.write(`refused a fetch to ${url.host}\n`);
      return Promise.reject(new Error(`this benchmark target makes no requests to ${url.host}`));
    }
    return original(input, init);
  };
}
