// The cost of Latchkey's Express adapter on an authenticated route, against the same Express app
// answering the same small JSON with no authentication, for Express 5 and Express 4:
//
//   npm run build && node --import tsx bench/adapters-express.ts [--markdown]
//
// Each app runs in a process of its own on 127.0.0.1 (this file, started with `--serve`) and
// imports Latchkey by its package name, from dist/, as an application would. autocannon loads
// `GET /api/secure-data` from this process with the same connection count for every app, in
// interleaved rounds. The Latchkey apps run over SQLite (the default store, in a temporary
// folder) and over the memory store (no I/O: what remains is the adapter and the session
// check), and every request carries the cookie of a live session. BENCH_ROUNDS, BENCH_SECONDS,
// BENCH_CONNECTIONS and BENCH_WARMUP_SECONDS change the run (defaults 5, 5, 50, 3).
import { fileURLToPath } from 'node:url';

import { BARE_USER, openBenchStores } from './lib/adapter-app.js';
import { measureAdapterOverhead } from './lib/adapter-overhead.js';

import type { AddressInfo } from 'node:net';
import type express from 'express';

const SELF = fileURLToPath(import.meta.url);
const serve = (...args: string[]) => [
  process.execPath,
  '--import',
  'tsx',
  SELF,
  '--serve',
  ...args,
];
const targets = (framework: string, major: string) => ({
  framework,
  bare: serve(major, 'bare'),
  latchkey: [
    { store: 'SQLite', command: serve(major, 'sqlite') },
    { store: 'memory', command: serve(major, 'memory') },
  ],
});

if (process.argv[2] === '--serve') {
  await serveApp(process.argv[3] ?? 'express5', process.argv[4] ?? 'bare');
} else {
  await measureAdapterOverhead(
    'adapters-express',
    [targets('Express 5', 'express5'), targets('Express 4', 'express4')],
    { markdown: process.argv.includes('--markdown') },
  );
}

/** One app: Express 5 or 4, bare or with Latchkey over a store; the same JSON either way. */
async function serveApp(major: string, kind: string): Promise<void> {
  const createExpress: typeof express = (
    major === 'express4' ? await import('express4') : await import('express')
  ).default;
  const app = createExpress();
  app.disable('x-powered-by');
  app.disable('etag');

  if (kind === 'bare') {
    app.get('/api/secure-data', (_req, res) => {
      res.json({ message: 'This is protected data.', user: BARE_USER });
    });
  } else {
    const { authRouter, latchkey, requireUser } = await import('latchkey/express');
    const { createLatchkey, publicUser } = await import('latchkey/http');
    const instance = createLatchkey({
      ...(await openBenchStores(kind)),
      secrets: ['benchmark secret of at least thirty-two bytes'],
    });
    app.use(latchkey(instance));
    app.use('/auth', authRouter());
    app.get('/api/secure-data', requireUser(), (req, res) => {
      res.json({ message: 'This is protected data.', user: publicUser(req.latchkey!.user) });
    });
  }

  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}
