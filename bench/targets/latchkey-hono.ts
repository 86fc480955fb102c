// Latchkey in a Hono 4 app on @hono/node-server, wired as examples/hono is (latchkey(), csrf(),
// authRoutes() under /auth, requireUser()), over SQLite in LATCHKEY_DATA_DIR, importing
// Latchkey by package name (dist/) as an application would.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authRoutes, csrf, latchkey, requireUser } from 'latchkey/hono';
import { createLatchkey, publicUser } from 'latchkey/http';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import { secureDataAnswer } from '../lib/target-app.js';

import type { LatchkeyEnv } from 'latchkey/hono';

const dataDir = process.env.LATCHKEY_DATA_DIR ?? 'data';
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = createLatchkey({
  sessionStore: stores.sessions,
  userStore: stores.users,
  secrets: ['benchmark secret of at least thirty-two bytes'],
});

const app = new Hono<LatchkeyEnv>();
app.use(latchkey(auth));
app.use(csrf());
app.all('/auth/*', authRoutes());
app.get('/api/secure-data', requireUser(), (c) => {
  const { user, session } = c.var.latchkey;
  return c.json(secureDataAnswer(publicUser(user), session.expiresAt));
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
});
process.once('SIGTERM', () => {
  server.close(() => void stores.close());
});
