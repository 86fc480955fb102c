// The cost of Latchkey's Hono adapter on an authenticated route, against the same Hono app
// answering the same small JSON with no authentication, both on @hono/node-server:
//
//   npm run build && node --import tsx bench/adapters-hono.ts [--markdown]
//
// Each app runs in a process of its own on 127.0.0.1 (this file, started with `--serve`) and
// imports Latchkey by its package name, from dist/, as an application would. autocannon loads
// `GET /api/secure-data` from this process with the same connection count, in interleaved
// rounds (bench/lib/adapter-overhead.ts). The Latchkey app is wired as examples/hono
// (latchkey(), csrf(), authRoutes(), requireUser()) over SQLite (the default store, in a
// temporary folder) and over the memory store (no I/O), and every request carries the cookie
// of a live session. BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_WARMUP_SECONDS
// change the run (defaults 5, 5, 50, 3).
import { fileURLToPath } from 'node:url';

import { serve as serveHono } from '@hono/node-server';
import { Hono } from 'hono';

import { BARE_USER, openBenchStores } from './lib/adapter-app.js';
import { measureAdapterOverhead } from './lib/adapter-overhead.js';

import type { LatchkeyEnv } from 'latchkey/hono';

const SELF = fileURLToPath(import.meta.url);
const serve = (kind: string) => [process.execPath, '--import', 'tsx', SELF, '--serve', kind];

if (process.argv[2] === '--serve') {
  await serveApp(process.argv[3] ?? 'bare');
} else {
  await measureAdapterOverhead(
    'adapters-hono',
    [
      {
        framework: 'Hono 4',
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

/** One app: bare, or with Latchkey over SQLite or memory; the same JSON either way. */
async function serveApp(kind: string): Promise<void> {
  let fetch: (request: Request, env: unknown) => Response | Promise<Response>;
  if (kind === 'bare') {
    const app = new Hono();
    app.get('/api/secure-data', (c) =>
      c.json({ message: 'This is protected data.', user: BARE_USER }),
    );
    fetch = app.fetch;
  } else {
    const { authRoutes, csrf, latchkey, requireUser } = await import('latchkey/hono');
    const { createLatchkey, publicUser } = await import('latchkey/http');
    const instance = createLatchkey({
      ...(await openBenchStores(kind)),
      secrets: ['benchmark secret of at least thirty-two bytes'],
    });
    const app = new Hono<LatchkeyEnv>();
    app.use(latchkey(instance));
    app.use(csrf());
    app.all('/auth/*', authRoutes());
    app.get('/api/secure-data', requireUser(), (c) =>
      c.json({ message: 'This is protected data.', user: publicUser(c.var.latchkey.user) }),
    );
    fetch = app.fetch;
  }

  const server = serveHono({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
  });
}
