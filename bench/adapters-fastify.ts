// The cost of Latchkey's Fastify plugin on an authenticated route, against the same Fastify app
// answering the same small JSON with no authentication:
//
//   npm run build && node --import tsx bench/adapters-fastify.ts [--markdown]
//
// Each app runs in a process of its own on 127.0.0.1 (this file, started with `--serve`) and
// imports Latchkey by its package name, from dist/, as an application would. autocannon loads
// `GET /api/secure-data` from this process with the same connection count for every app, in
// interleaved rounds. The Latchkey apps run over SQLite (the default store, in a temporary
// folder) and over the memory store (no I/O: what remains is the plugin and the session
// check), and every request carries the cookie of a live session. BENCH_ROUNDS, BENCH_SECONDS,
// BENCH_CONNECTIONS and BENCH_WARMUP_SECONDS change the run (defaults 5, 5, 50, 3).
import { fileURLToPath } from 'node:url';

import Fastify from 'fastify';

import { BARE_USER, openBenchStores } from './lib/adapter-app.js';
import { measureAdapterOverhead } from './lib/adapter-overhead.js';

const SELF = fileURLToPath(import.meta.url);
const serve = (kind: string) => [process.execPath, '--import', 'tsx', SELF, '--serve', kind];

if (process.argv[2] === '--serve') {
  await serveApp(process.argv[3] ?? 'bare');
} else {
  await measureAdapterOverhead(
    'adapters-fastify',
    [
      {
        framework: 'Fastify 5',
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

/** One app, bare or with Latchkey over a store; the same JSON either way. */
async function serveApp(kind: string): Promise<void> {
  const app = Fastify();
  if (kind === 'bare') {
    app.get('/api/secure-data', () => ({ message: 'This is protected data.', user: BARE_USER }));
  } else {
    const { latchkeyPlugin, requireUser } = await import('latchkey/fastify');
    const { createLatchkey, publicUser } = await import('latchkey/http');
    const instance = createLatchkey({
      ...(await openBenchStores(kind)),
      secrets: ['benchmark secret of at least thirty-two bytes'],
    });
    await app.register(latchkeyPlugin, { latchkey: instance });
    app.get('/api/secure-data', { preHandler: requireUser }, (request) => ({
      message: 'This is protected data.',
      user: publicUser(request.latchkey!.user),
    }));
  }

  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`listening on ${url}\n`);
  process.on('SIGTERM', () => {
    void app.close();
  });
}
