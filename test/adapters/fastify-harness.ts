import assert from 'node:assert/strict';
import { after } from 'node:test';

import Fastify from 'fastify';

import { csrf, latchkeyPlugin, requireUser } from '../../src/http/fastify.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { publicUser } from '../../src/http/present.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { cookiePair } from '../support/server.js';
import { TEST_SECRET } from './auth-route-parity.js';

import type { FastifyInstance } from 'fastify';
import type { FastifyLatchkeyOptions } from '../../src/http/fastify.js';
import type { LatchkeyOptions } from '../../src/http/latchkey.js';

/** The password every test account gets. */
export const PASSWORD = 'correct horse battery staple';
/** light-my-request's default Host, as the same-origin `Origin` of injected requests. */
export const ORIGIN = 'http://localhost:80';

/** Options of a test app; see {@link fastifyHarness}. */
export interface FastifyAppOptions {
  latchkey?: Partial<LatchkeyOptions>;
  plugin?: Partial<FastifyLatchkeyOptions>;
  /** Called on the new app before the plugin is registered. */
  before?: (app: FastifyInstance) => void;
}

export interface Injected {
  status: number;
  headers: Record<string, unknown>;
  setCookies: string[];
  body: unknown;
}

/** Sends one request with `app.inject` (no socket); `json` or `form` set the body. */
export async function inject(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: {
    json?: unknown;
    form?: string;
    cookie?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Injected> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = options.form;
  }
  const response = await app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  const setCookie = response.headers['set-cookie'];
  return {
    status: response.statusCode,
    headers: response.headers,
    setCookies: setCookie === undefined ? [] : ([] as string[]).concat(setCookie),
    body: response.body === '' ? null : (JSON.parse(response.body) as unknown),
  };
}

/**
 * Test apps, closed after the suite: call it inside `describe`. Each registers the plugin, then
 * `GET /whoami`, `GET /api/secure-data` (behind `requireUser`, setting a cookie of its own),
 * `POST /api/notes` (behind `requireUser`) and `POST /api/open` (behind `csrf` only).
 */
export function fastifyHarness() {
  const apps: FastifyInstance[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  async function startApp(
    options: FastifyAppOptions = {},
  ): Promise<{ app: FastifyInstance; errors: unknown[]; appWrites: unknown[] }> {
    const errors: unknown[] = [];
    const appWrites: unknown[] = [];
    const instance = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [TEST_SECRET],
      ...options.latchkey,
    });
    const app = Fastify();
    apps.push(app);
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error);
      return reply.code(500).send({ error: { code: 'APP_ERROR' } });
    });
    options.before?.(app);
    await app.register(latchkeyPlugin, { latchkey: instance, ...options.plugin });
    app.get('/whoami', (request) => ({ email: request.latchkey?.user.email ?? null }));
    app.get('/api/secure-data', { preHandler: requireUser }, (request, reply) => {
      reply.header('set-cookie', 'theme=dark');
      return { message: 'This is protected data.', user: publicUser(request.latchkey!.user) };
    });
    app.get('/public-page', (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { welcome: true };
    });
    app.post('/api/notes', { preHandler: requireUser }, (request, reply) => {
      appWrites.push(request.body);
      return reply.code(201).send({ saved: request.body });
    });
    app.post('/api/open', { preHandler: csrf }, () => ({ ok: true }));
    await app.ready();
    return { app, errors, appWrites };
  }

  async function register(app: FastifyInstance, prefix = '/auth'): Promise<string> {
    const response = await inject(app, 'POST', `${prefix}/register`, {
      json: { email: 'ada@example.com', password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    assert.equal(response.status, 201);
    return cookiePair(response.setCookies.find((line) => line.startsWith('__Host-auth_token=')));
  }

  /** Keeps an app to close after the suite. */
  function keep(app: FastifyInstance): FastifyInstance {
    apps.push(app);
    return app;
  }

  return { startApp, register, keep };
}
