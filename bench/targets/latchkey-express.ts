// Latchkey in an Express 5 app, wired as examples/express is (latchkey(), authRouter() under
// /auth, express.json(), csrf(), requireUser()), over SQLite in LATCHKEY_DATA_DIR, importing
// Latchkey by package name (dist/) as an application would. ETags are off, as in the
// express-session app it is compared with (bench/targets/express-session.ts).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import express from 'express';
import { authRouter, csrf, latchkey, requireUser } from 'latchkey/express';
import { createLatchkey, publicUser } from 'latchkey/http';
import { openSqliteStores } from 'latchkey/stores/sqlite';

import { listenOnLoopback, secureDataAnswer } from '../lib/target-app.js';

const dataDir = process.env.LATCHKEY_DATA_DIR ?? 'data';
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = createLatchkey({
  sessionStore: stores.sessions,
  userStore: stores.users,
  secrets: ['benchmark secret of at least thirty-two bytes'],
});

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(latchkey(auth));
app.use('/auth', authRouter());
app.use(express.json());
app.use(csrf());

app.get('/api/secure-data', requireUser(), (req, res) => {
  const { user, session } = req.latchkey!;
  res.json(secureDataAnswer(publicUser(user), session.expiresAt));
});

listenOnLoopback(createServer(app), { onClose: () => stores.close() });
