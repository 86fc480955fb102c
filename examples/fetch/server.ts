// Latchkey in a plain Fetch handler (`(request: Request) => Promise<Response>`), the shape that
// Deno.serve, Bun.serve and edge-style servers call; here served on Node.js by @hono/node-server.
// From the repository root (the package imports resolve to dist/, which the build creates):
//
//   npm run build && node --import tsx examples/fetch/server.ts
//
// Environment: PORT (default 3000, on 127.0.0.1), LATCHKEY_DATA_DIR (default
// examples/fetch/data), LATCHKEY_SECRETS (comma-separated; default: one generated into the data
// folder on first start).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { serve } from '@hono/node-server';
import { checkCsrf, createFetchHandler, requireUser, withRenewal } from 'latchkey/fetch';
import { createLatchkey, publicUser } from 'latchkey/http';
import { loadOrCreateSecrets } from 'latchkey/server';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import type { HttpBindings } from '@hono/node-server';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? loadOrCreateSecrets(dataDir).secrets;
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const latchkey = createLatchkey({
  sessionStore: stores.sessions,
  userStore: stores.users,
  secrets,
});
const authRoutes = createFetchHandler(latchkey);

async function handle(request: Request, clientAddress: string): Promise<Response> {
  const fromAuth = await authRoutes(request, { clientAddress }); // register, login, logout, ...
  if (fromAuth !== null) return fromAuth;
  const refused = await checkCsrf(latchkey, request, { clientAddress }); // every unsafe request
  if (refused !== null) return refused;
  const { pathname } = new URL(request.url);

  if (request.method === 'GET' && pathname === '/api/secure-data') {
    const auth = await requireUser(latchkey, request, { clientAddress });
    if (auth instanceof Response) return auth; // 401, or 503 when the store fails
    const body = { message: 'This is protected data.', user: publicUser(auth.user) };
    return withRenewal(Response.json(body), auth); // adds the renewed cookie when one is due
  }
  if (request.method === 'POST' && pathname === '/api/notes') {
    const auth = await requireUser(latchkey, request, { clientAddress });
    if (auth instanceof Response) return auth;
    const body: unknown = await request.json().catch(() => null);
    const text = (body as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') {
      const error = { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' };
      return Response.json({ error }, { status: 400 });
    }
    return withRenewal(
      Response.json({ note: { text, author: auth.user.email } }, { status: 201 }),
      auth,
    );
  }
  const error = { code: 'NOT_FOUND', message: 'There is nothing at this path.' };
  return Response.json({ error }, { status: 404 });
}

const server = serve(
  {
    // A Web Request carries no peer address: the server hands it over beside the request.
    fetch: (request, env) =>
      handle(request, (env as HttpBindings).incoming.socket.remoteAddress ?? ''),
    port,
    hostname: '127.0.0.1',
  },
  (info) => {
    console.log(`Fetch example listening on http://127.0.0.1:${info.port}`);
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void stores.close());
  });
}
