// Latchkey in a Hono 4 application on Node.js: the auth routes under /auth/ and protected routes.
// From the repository root (the package imports resolve to dist/, which the build creates):
//
//   npm run build && node --import tsx examples/hono/server.ts
//
// Environment: PORT (default 3000, on 127.0.0.1), LATCHKEY_DATA_DIR (default
// examples/hono/data), LATCHKEY_SECRETS (comma-separated; default: one generated into the data
// folder on first start).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authRoutes, csrf, latchkey, requireUser } from 'latchkey/hono';
import { createLatchkey, publicUser } from 'latchkey/http';
import { loadOrCreateSecrets } from 'latchkey/server';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import type { LatchkeyEnv } from 'latchkey/hono';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? loadOrCreateSecrets(dataDir).secrets;
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = createLatchkey({ sessionStore: stores.sessions, userStore: stores.users, secrets });

const app = new Hono<LatchkeyEnv>();
app.use(latchkey(auth)); // c.var.latchkey: { session, user } or null, on every request
app.use(csrf()); // every unsafe request is checked for CSRF, before any body is read
app.all('/auth/*', authRoutes()); // register, login, logout, session, sessions, password, ...

app.get('/api/secure-data', requireUser(), (c) => {
  return c.json({ message: 'This is protected data.', user: publicUser(c.var.latchkey.user) });
});

app.post('/api/notes', requireUser(), async (c) => {
  const body: unknown = await c.req.json().catch(() => null);
  const text = (body as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') {
    return c.json({ error: { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' } }, 400);
  }
  return c.json({ note: { text, author: c.var.latchkey.user.email } }, 201);
});

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`Hono example listening on http://127.0.0.1:${info.port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void stores.close());
  });
}
