// iron-session 8 on node:http, as its README shows for Node.js: `getIronSession(req, res,
// options)` on every request. The whole session lives in the cookie, sealed (encrypted and
// signed) with the password: a request decrypts the cookie and looks nothing up, so a session
// cannot be revoked before its seal expires.
//
// POST /login {email} is a stand-in (no password): it seals a user into the cookie so that the
// benchmark has one. GET /api/secure-data answers as Latchkey's route does. The cookie is not
// Secure because the benchmark speaks plain HTTP on loopback.
import { createServer } from 'node:http';

import { getIronSession } from 'iron-session';

import {
  emailOf,
  listenOnLoopback,
  newBenchUser,
  readJsonBody,
  secureDataAnswer,
  sendJson,
  UNAUTHENTICATED_ANSWER,
} from '../lib/target-app.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionOptions } from 'iron-session';
import type { BenchUser } from '../lib/target-app.js';

interface SessionData {
  user?: BenchUser;
  /** When the seal stops being accepted, ISO 8601: iron-session does not expose it. */
  expiresAt?: string;
}

// One day, as Latchkey's default idle timeout.
const TTL_SECONDS = 86_400;

const options: SessionOptions = {
  password: 'benchmark password of at least thirty-two characters',
  cookieName: 'iron_session',
  ttl: TTL_SECONDS,
  cookieOptions: { secure: false },
};

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/api/secure-data') {
    const session = await getIronSession<SessionData>(req, res, options);
    if (session.user === undefined || session.expiresAt === undefined) {
      sendJson(res, 401, UNAUTHENTICATED_ANSWER);
      return;
    }
    sendJson(res, 200, secureDataAnswer(session.user, session.expiresAt));
    return;
  }
  if (req.method === 'POST' && req.url === '/login') {
    const email = emailOf(await readJsonBody(req));
    if (email === null) {
      sendJson(res, 400, { error: { code: 'VALIDATION_FAILED' } });
      return;
    }
    const session = await getIronSession<SessionData>(req, res, options);
    session.user = newBenchUser(email);
    session.expiresAt = new Date(Date.now() + TTL_SECONDS * 1000).toISOString();
    await session.save();
    sendJson(res, 201, { user: session.user });
    return;
  }
  sendJson(res, 404, { error: { code: 'NOT_FOUND' } });
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL_ERROR' } });
    else res.destroy();
  });
});
listenOnLoopback(server);
