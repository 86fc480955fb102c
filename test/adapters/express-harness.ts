import assert from 'node:assert/strict';
import { after } from 'node:test';

import { authRouter, csrf, latchkey, requireUser } from '../../src/http/express.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { publicUser } from '../../src/http/present.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { cookiePair, send } from '../support/server.js';
import { TEST_SECRET, listen } from './auth-route-parity.js';

import type express from 'express';
import type { ErrorRequestHandler } from 'express';
import type { Listening } from './auth-route-parity.js';
import type { ExpressLatchkeyOptions } from '../../src/http/express.js';
import type { LatchkeyOptions } from '../../src/http/latchkey.js';

/** The password every test account gets. */
export const PASSWORD = 'correct horse battery staple';

/** Options of a test app; see {@link expressHarness}. */
export interface ExpressAppOptions {
  latchkey?: Partial<LatchkeyOptions>;
  adapter?: ExpressLatchkeyOptions;
  /** Body parsers before the auth routes; `extended` is Express 4's default qs parsing. */
  parsersFirst?: boolean | 'extended';
  /** Called on the new app before anything else is mounted. */
  before?: (app: express.Express) => void;
}

/**
 * Test apps on one major version of Express, each on its own loopback port, closed after the
 * suite: call it inside `describe`. Every app is wired as the guide says: `latchkey()`, the auth
 * routes, the body parsers, `csrf()`, then `GET /whoami`, `GET /api/secure-data` (behind
 * `requireUser()`, setting a cookie of its own) and `POST /api/notes`.
 */
export function expressHarness(createExpress: typeof express) {
  const servers: Listening[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  /** The usual wiring: latchkey(), the auth routes, express.json(), csrf(), app routes. */
  async function startApp(
    options: ExpressAppOptions = {},
  ): Promise<{ url: string; errors: unknown[]; appWrites: string[] }> {
    const errors: unknown[] = [];
    const appWrites: string[] = [];
    const instance = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [TEST_SECRET],
      ...options.latchkey,
    });
    const app = createExpress();
    options.before?.(app);
    app.use(latchkey(instance, options.adapter));
    const parsersFirst = options.parsersFirst ?? false;
    if (parsersFirst !== false) {
      const extended = parsersFirst === 'extended';
      app.use(createExpress.json(), createExpress.urlencoded({ extended }));
    }
    app.use('/auth', authRouter());
    if (parsersFirst === false) {
      app.use(createExpress.json(), createExpress.urlencoded({ extended: false }));
    }
    app.use(csrf());
    app.get('/whoami', (req, res) => {
      res.json(req.latchkey === null ? null : { email: req.latchkey.user.email });
    });
    app.get('/api/secure-data', requireUser(), (req, res) => {
      res.cookie('theme', 'dark');
      res.json({ message: 'This is protected data.', user: publicUser(req.latchkey!.user) });
    });
    app.get('/public-page', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300');
      res.send('<h1>Welcome</h1>');
    });
    app.post('/api/notes', requireUser(), (req, res) => {
      appWrites.push(JSON.stringify(req.body));
      res.status(201).json({ saved: req.body });
    });
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      errors.push(error);
      res.status(500).json({ error: { code: 'APP_ERROR' } });
    };
    app.use(onError);
    const server = await listen(app);
    servers.push(server);
    return { url: server.url, errors, appWrites };
  }

  async function register(url: string, email = 'ada@example.com'): Promise<string> {
    const response = await send(url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
      headers: { origin: url },
    });
    assert.equal(response.status, 201);
    return cookiePair(response.setCookies.find((line) => line.startsWith('__Host-auth_token=')));
  }

  /** Keeps a server to close after the suite. */
  function keep(server: Listening): Listening {
    servers.push(server);
    return server;
  }

  return { startApp, register, keep };
}
