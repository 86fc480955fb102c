// Latchkey in an Express 4 application: the auth routes under /auth/ and protected routes.
// From the repository root (the package imports resolve to dist/, which the build creates):
//
//   npm run build && node --import tsx examples/express4/server.ts
//
// Environment: PORT (default 3000, on 127.0.0.1), LATCHKEY_DATA_DIR (default
// examples/express4/data), LATCHKEY_SECRETS (comma-separated; default: one generated into the
// data folder on first start).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

// An application of its own imports 'express' (4.x); this repository installs Express 4 under the
// alias express4, beside Express 5.
import express from 'express4';
import { authRouter, csrf, latchkey, requireUser } from 'latchkey/express';
import { createLatchkey, publicUser } from 'latchkey/http';
import { loadOrCreateSecrets } from 'latchkey/server';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import type { AddressInfo } from 'node:net';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? loadOrCreateSecrets(dataDir).secrets;
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = createLatchkey({ sessionStore: stores.sessions, userStore: stores.users, secrets });

const app = express();
app.disable('x-powered-by');
app.use(latchkey(auth)); // req.latchkey: { session, user } or null, on every request
app.use('/auth', authRouter()); // register, login, logout, session, sessions, password, ...
app.use(express.json()); // the application's own body parser, after the auth routes
app.use(csrf()); // every unsafe request of the application is checked for CSRF

app.get('/api/secure-data', requireUser(), (req, res) => {
  res.json({ message: 'This is protected data.', user: publicUser(req.latchkey!.user) });
});

app.post('/api/notes', requireUser(), (req, res) => {
  const text: unknown = (req.body as { text?: unknown } | undefined)?.text;
  if (typeof text !== 'string') {
    res
      .status(400)
      .json({ error: { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' } });
    return;
  }
  res.status(201).json({ note: { text, author: req.latchkey!.user.email } });
});

const server = app.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as AddressInfo;
  console.log(`Express 4 example listening on http://127.0.0.1:${bound}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void stores.close());
  });
}
