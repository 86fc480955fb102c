// Latchkey in a plain node:http application: the auth routes under /auth/ and protected routes.
// From the repository root (the package imports resolve to dist/, which the build creates):
//
//   npm run build && node --import tsx examples/node/server.ts
//
// Environment: PORT (default 3000, on 127.0.0.1), LATCHKEY_DATA_DIR (default
// examples/node/data), LATCHKEY_SECRETS (comma-separated; default: one generated into the data
// folder on first start).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { createLatchkey, publicUser } from 'latchkey/http';
import { latchkeyNode } from 'latchkey/node';
import { loadOrCreateSecrets } from 'latchkey/server';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? loadOrCreateSecrets(dataDir).secrets;
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = latchkeyNode(
  createLatchkey({ sessionStore: stores.sessions, userStore: stores.users, secrets }),
);

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (await auth.handle(req, res)) return; // register, login, logout, session, sessions, ...
  if (!(await auth.checkCsrf(req, res))) return; // every unsafe request of the application
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;

  if (req.method === 'GET' && (path === '/api/secure-data' || path === '/api/secure-data/')) {
    const current = await auth.requireUser(req, res); // 401 (or 503) written when null
    if (current === null) return;
    sendJson(res, 200, { message: 'This is protected data.', user: publicUser(current.user) });
    return;
  }
  if (req.method === 'POST' && path === '/api/notes') {
    const current = await auth.requireUser(req, res);
    if (current === null) return;
    const text = parseText(await auth.readBody(req)); // the body, read once, shared with Latchkey
    if (text === null) {
      sendJson(res, 400, {
        error: { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' },
      });
      return;
    }
    sendJson(res, 201, { note: { text, author: current.user.email } });
    return;
  }
  sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'There is nothing at this path.' } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

function parseText(bytes: Uint8Array | null): string | null {
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
    const text = (body as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : null;
  } catch {
    return null;
  }
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent)
      sendJson(res, 500, { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong.' } });
    else res.destroy();
  });
});
server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as AddressInfo;
  console.log(`node:http example listening on http://127.0.0.1:${bound}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void stores.close());
    server.closeIdleConnections();
  });
}
