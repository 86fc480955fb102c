// The cost of Latchkey's Fetch adapter on an authenticated route, against the same Fetch handler
// answering the same small JSON with no authentication, both served by @hono/node-server:
//
//   npm run build && node --import tsx bench/adapters-fetch.ts [--markdown]
//
// Each handler runs in a process of its own on 127.0.0.1 (this file, started with `--serve`) and
// imports Latchkey by its package name, from dist/, as an application would. autocannon loads
// `GET /api/secure-data` from this process with the same connection count, in interleaved
// rounds (bench/lib/adapter-overhead.ts). The Latchkey handler runs the pipeline of
// examples/fetch (auth routes, checkCsrf, requireUser, withRenewal) over SQLite (the default
// store, in a temporary folder) and over the memory store (no I/O), and every request carries
// the cookie of a live session. BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS and
// BENCH_WARMUP_SECONDS change the run (defaults 5, 5, 50, 3).
import { fileURLToPath } from 'node:url';

import { serve as serveFetch } from '@hono/node-server';

import { BARE_USER, openBenchStores } from './lib/adapter-app.js';
import { measureAdapterOverhead } from './lib/adapter-overhead.js';

import type { HttpBindings } from '@hono/node-server';

const SELF = fileURLToPath(import.meta.url);
const serve = (kind: string) => [process.execPath, '--import', 'tsx', SELF, '--serve', kind];

if (process.argv[2] === '--serve') {
  await serveHandler(process.argv[3] ?? 'bare');
} else {
  await measureAdapterOverhead(
    'adapters-fetch',
    [
      {
        framework: 'Fetch handler',
        bare: serve('bare'),
        latchkey: [
          { store: 'SQLite', command: serve('sqlite') },
          { store: 'memory', command: serve('memory') },
        ],
      },
    ],
    { markdown: process.argv.includes('--markdown') },
  );
}

/** One handler: bare, or with Latchkey over SQLite or memory; the same JSON either way. */
async function serveHandler(kind: string): Promise<void> {
  const notFound = () => Response.json({ error: { code: 'NOT_FOUND' } }, { status: 404 });
  let fetch: (request: Request, env: HttpBindings) => Promise<Response>;
  if (kind === 'bare') {
    fetch = (request) =>
      Promise.resolve(
        new URL(request.url).pathname === '/api/secure-data'
          ? Response.json({ message: 'This is protected data.', user: BARE_USER })
          : notFound(),
      );
  } else {
    const { checkCsrf, createFetchHandler, requireUser, withRenewal } =
      await import('latchkey/fetch');
    const { createLatchkey, publicUser } = await import('latchkey/http');
    const latchkey = createLatchkey({
      ...(await openBenchStores(kind)),
      secrets: ['benchmark secret of at least thirty-two bytes'],
    });
    const authRoutes = createFetchHandler(latchkey);
    fetch = async (request, env) => {
      const clientAddress = env.incoming.socket.remoteAddress ?? '';
      const fromAuth = await authRoutes(request, { clientAddress });
      if (fromAuth !== null) return fromAuth;
      const refused = await checkCsrf(latchkey, request, { clientAddress });
      if (refused !== null) return refused;
      if (new URL(request.url).pathname !== '/api/secure-data') return notFound();
      const auth = await requireUser(latchkey, request, { clientAddress });
      if (auth instanceof Response) return auth;
      const body = { message: 'This is protected data.', user: publicUser(auth.user) };
      return withRenewal(Response.json(body), auth);
    };
  }

  const server = serveFetch(
    {
      fetch: (request, env) => fetch(request, env as HttpBindings),
      port: 0,
      hostname: '127.0.0.1',
    },
    (info) => {
      process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
    },
  );
  process.on('SIGTERM', () => {
    server.close();
  });
}
