// express-session 1.19 on Express 5, configured as its README and connect-redis's recommend
// (resave: false, saveUninitialized: false), with one of two stores:
//
//   FIELD_STORE=memory  its built-in MemoryStore: in this process, not shared, not for production
//   FIELD_STORE=redis   connect-redis 9 on a node-redis 5 client, at REDIS_URL, keys under
//                       REDIS_PREFIX (the benchmark removes them afterwards)
//
// POST /login {email} is a stand-in (no password): it only puts a user into the session so that
// the benchmark has a cookie. GET /api/secure-data answers as Latchkey's route does. The cookie
// is not Secure because the benchmark speaks plain HTTP on loopback. ETags are off, as in the
// Express app with Latchkey that it is compared with (bench/targets/latchkey-express.ts).
import { createServer } from 'node:http';

import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';

import {
  emailOf,
  listenOnLoopback,
  newBenchUser,
  secureDataAnswer,
  UNAUTHENTICATED_ANSWER,
} from '../lib/target-app.js';

import type { BenchUser } from '../lib/target-app.js';

declare module 'express-session' {
  interface SessionData {
    user: BenchUser;
  }
}

// One day, as Latchkey's default idle timeout.
const MAX_AGE_MS = 86_400_000;

const kind = process.env.FIELD_STORE ?? 'memory';
let store: session.Store | undefined;
let closeStore: () => unknown = () => undefined;
if (kind === 'redis') {
  const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  client.on('error', (error: unknown) => {
    process.stderr.write(`redis: ${String(error)}\n`);
  });
  await client.connect();
  store = new RedisStore({ client, prefix: process.env.REDIS_PREFIX ?? 'bench-express-session:' });
  closeStore = () => client.close();
} else if (kind !== 'memory') {
  throw new Error(`FIELD_STORE must be memory or redis, not ${kind}`);
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(
  session({
    secret: 'benchmark secret of at least thirty-two bytes',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, secure: false, sameSite: 'lax', maxAge: MAX_AGE_MS },
    ...(store === undefined ? {} : { store }),
  }),
);

app.post('/login', express.json(), (req, res) => {
  const email = emailOf(req.body);
  if (email === null) {
    res.status(400).json({ error: { code: 'VALIDATION_FAILED' } });
    return;
  }
  req.session.user = newBenchUser(email);
  res.status(201).json({ user: req.session.user });
});

app.get('/api/secure-data', (req, res) => {
  res.set('Cache-Control', 'no-store');
  const user = req.session.user;
  if (user === undefined) {
    res.status(401).json(UNAUTHENTICATED_ANSWER);
    return;
  }
  // `cookie.maxAge` reads as the milliseconds the cookie has left.
  const expiresAt = new Date(Date.now() + (req.session.cookie.maxAge ?? 0));
  res.json(secureDataAnswer(user, expiresAt));
});

listenOnLoopback(createServer(app), { onClose: closeStore });
