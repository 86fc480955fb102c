// Latchkey on plain node:http with its adapter (latchkeyNode), wired as examples/node is (the
// auth routes, the CSRF check, then requireUser()), over SQLite in LATCHKEY_DATA_DIR,
// importing Latchkey by package name (dist/) as an application would.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { createLatchkey, publicUser } from 'latchkey/http';
import { latchkeyNode } from 'latchkey/node';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import { listenOnLoopback, secureDataAnswer, sendJson } from '../lib/target-app.js';

import type { IncomingMessage, ServerResponse } from 'node:http';

const dataDir = process.env.LATCHKEY_DATA_DIR ?? 'data';
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = latchkeyNode(
  createLatchkey({
    sessionStore: stores.sessions,
    userStore: stores.users,
    secrets: ['benchmark secret of at least thirty-two bytes'],
  }),
);

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (await auth.handle(req, res)) return;
  if (!(await auth.checkCsrf(req, res))) return;
  if (req.method === 'GET' && req.url === '/api/secure-data') {
    const current = await auth.requireUser(req, res);
    if (current === null) return;
    sendJson(res, 200, secureDataAnswer(publicUser(current.user), current.session.expiresAt));
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
listenOnLoopback(server, { onClose: () => stores.close() });
