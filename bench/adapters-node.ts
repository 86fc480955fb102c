// The cost of Latchkey's node:http adapter (`latchkeyNode`) on an authenticated route, against
// the same node:http server answering the same small JSON with no authentication:
//
//   npm run build && node --import tsx bench/adapters-node.ts [--markdown]
//
// Each server runs in a process of its own on 127.0.0.1 (this file, started with `--serve`) and
// imports Latchkey by its package name, from dist/, as an application would. autocannon loads
// `GET /api/secure-data` from this process with the same connection count, in interleaved
// rounds (bench/lib/adapter-overhead.ts). The Latchkey server runs the whole pipeline of
// examples/node (auth routes, CSRF check, requireUser) over SQLite (the default store, in a
// temporary folder) and over the memory store (no I/O), and every request carries the cookie
// of a live session. BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_WARMUP_SECONDS
// change the run (defaults 5, 5, 50, 3).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

import { BARE_USER, openBenchStores } from './lib/adapter-app.js';
import { measureAdapterOverhead } from './lib/adapter-overhead.js';

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SELF = fileURLToPath(import.meta.url);
const serve = (kind: string) => [process.execPath, '--import', 'tsx', SELF, '--serve', kind];

if (process.argv[2] === '--serve') {
  await serveApp(process.argv[3] ?? 'bare');
} else {
  await measureAdapterOverhead(
    'adapters-node',
    [
      {
        framework: 'node:http',
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** One server: bare, or with Latchkey over SQLite or memory; the same JSON either way. */
async function serveApp(kind: string): Promise<void> {
  let listener: RequestListener;
  if (kind === 'bare') {
    listener = (req, res) => {
      if (req.url === '/api/secure-data') {
        sendJson(res, 200, { message: 'This is protected data.', user: BARE_USER });
      } else sendJson(res, 404, { error: { code: 'NOT_FOUND' } });
    };
  } else {
    const { latchkeyNode } = await import('latchkey/node');
    const { createLatchkey, publicUser } = await import('latchkey/http');
    const auth = latchkeyNode(
      createLatchkey({
        ...(await openBenchStores(kind)),
        secrets: ['benchmark secret of at least thirty-two bytes'],
      }),
    );
    const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (await auth.handle(req, res)) return;
      if (!(await auth.checkCsrf(req, res))) return;
      if (req.url === '/api/secure-data') {
        const current = await auth.requireUser(req, res);
        if (current === null) return;
        sendJson(res, 200, { message: 'This is protected data.', user: publicUser(current.user) });
      } else sendJson(res, 404, { error: { code: 'NOT_FOUND' } });
    };
    listener = (req, res) => {
      route(req, res).catch(() => {
        res.destroy();
      });
    };
  }

  const server = createServer(listener);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}
