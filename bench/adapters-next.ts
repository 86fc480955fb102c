// The cost of Latchkey's Next.js adapter on an authenticated route handler, against the same
// Next.js app answering the same small JSON with no authentication, both on `next start`:
//
//   npm run build && node --import tsx bench/adapters-next.ts [--markdown]
//
// Three small JavaScript apps are written to bench/results/next-apps/ (git ignores it), built
// with `next build` (about 10 to 20 s each) and started with `next start` on 127.0.0.1, each in
// a process of its own. The Latchkey app is wired as examples/next (proxy.ts with the CSRF
// check, the catch-all auth route, requireUser and withRenewal in the route handler), over
// SQLite (in a temporary folder) and over the memory store; the third app is the same without
// proxy.ts. Every request to a Latchkey app carries the cookie of a live session. autocannon loads `GET /api/secure-data` with the same connection count in
// interleaved rounds (bench/lib/adapter-overhead.ts). BENCH_ROUNDS, BENCH_SECONDS,
// BENCH_CONNECTIONS and BENCH_WARMUP_SECONDS change the run (defaults 5, 5, 50, 3).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { measureAdapterOverhead } from './lib/adapter-overhead.js';
import { RESULTS_DIR } from './lib/results.js';

import type { ChildProcess } from 'node:child_process';

const SELF = fileURLToPath(import.meta.url);
const NEXT = join(SELF, '..', '..', 'node_modules', 'next', 'dist', 'bin', 'next');
const APPS = join(RESULTS_DIR, 'next-apps');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const serve = (app: string, store = 'sqlite') => [
  process.execPath,
  '--import',
  'tsx',
  SELF,
  '--serve',
  app,
  store,
];

// JavaScript, so that Next.js writes no tsconfig.json or next-env.d.ts into the repository.
const CONFIG = `
export default {
  serverExternalPackages: ['latchkey'],
  poweredByHeader: false,
  agentRules: false,
  experimental: { agentUpgrade: false },
};`;

const BARE = {
  'next.config.mjs': CONFIG,
  'app/api/secure-data/route.js': `
export const dynamic = 'force-dynamic';
// The same shape and length as the user a Latchkey target registers (logIn).
const user = {
  id: 'kfwratkfjrgsbroyqaywjfwqwy',
  email: 'bench-000000000000@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
};
export function GET() {
  return Response.json({ message: 'This is protected data.', user });
}`,
};

const LATCHKEY = {
  'next.config.mjs': CONFIG,
  'lib/latchkey.js': `
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLatchkey } from 'latchkey/http';
import { latchkeyNext, sharedInstance } from 'latchkey/next';
import { MemorySessionStore, MemoryUserStore } from 'latchkey/stores/memory';
import { openSqliteStores } from 'latchkey/stores/sqlite';

function stores() {
  if (process.env.LATCHKEY_BENCH_STORE === 'memory') {
    return { sessionStore: new MemorySessionStore(), userStore: new MemoryUserStore() };
  }
  const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(process.cwd(), 'data');
  mkdirSync(dataDir, { recursive: true });
  const sqlite = openSqliteStores(join(dataDir, 'latchkey.db'));
  return { sessionStore: sqlite.sessions, userStore: sqlite.users };
}
function open() {
  const secrets = ['benchmark secret of at least thirty-two bytes'];
  return createLatchkey({ ...stores(), secrets });
}
export const auth = latchkeyNext(() => sharedInstance('bench', open));`,
  'app/auth/[...latchkey]/route.js': `
import { auth } from '../../../lib/latchkey.js';
export const dynamic = 'force-dynamic';
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = auth.handlers;`,
  'app/api/secure-data/route.js': `
import { publicUser } from 'latchkey/http';
import { withRenewal } from 'latchkey/next';
import { auth } from '../../../lib/latchkey.js';
export const dynamic = 'force-dynamic';
export async function GET(request) {
  const current = await auth.requireUser(request);
  if (current instanceof Response) return current;
  const body = { message: 'This is protected data.', user: publicUser(current.user) };
  return withRenewal(Response.json(body), current);
}`,
  'proxy.js': `
import { auth } from './lib/latchkey.js';
export function proxy(request) {
  return auth.proxy(request);
}
export const config = { matcher: '/((?!_next/static|_next/image).*)' };`,
};

if (process.argv[2] === '--serve') {
  await serveApp(process.argv[3] ?? join(APPS, 'bare'), process.argv[4] ?? 'sqlite');
} else {
  // The same Latchkey app without proxy.ts: what Next.js charges for running a proxy at all.
  const withoutProxy = Object.fromEntries(
    Object.entries(LATCHKEY).filter(([path]) => path !== 'proxy.js'),
  );
  const apps = { bare: BARE, latchkey: LATCHKEY, 'latchkey-no-proxy': withoutProxy };
  for (const [name, files] of Object.entries(apps)) {
    writeApp(join(APPS, name), files);
    const started = performance.now();
    await run(spawnNext(['build', join(APPS, name)]), `next build ${name}`);
    process.stderr.write(`next build ${name}: ${Math.round(performance.now() - started)} ms\n`);
  }
  await measureAdapterOverhead(
    'adapters-next',
    [
      {
        framework: 'Next.js 16 (route handler)',
        bare: serve(join(APPS, 'bare')),
        latchkey: [
          { store: 'SQLite, proxy.ts', command: serve(join(APPS, 'latchkey'), 'sqlite') },
          { store: 'memory, proxy.ts', command: serve(join(APPS, 'latchkey'), 'memory') },
          {
            store: 'SQLite, no proxy.ts',
            command: serve(join(APPS, 'latchkey-no-proxy'), 'sqlite'),
          },
        ],
      },
    ],
    { markdown: process.argv.includes('--markdown') },
  );
}

/** `next start` on a free loopback port; prints `listening on ...` once it accepts requests. */
async function serveApp(app: string, store: string): Promise<void> {
  const port = await freePort();
  const child = spawnNext(['start', app, '-H', '127.0.0.1', '-p', String(port)], {
    LATCHKEY_BENCH_STORE: store,
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    if (/Ready in/.test(chunk.toString())) {
      process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
    }
  });
  child.stderr?.pipe(process.stderr);
  process.on('SIGTERM', () => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  });
  await run(child, 'next start');
}

/** The Next.js CLI in a process group of its own, so that stopping it stops its workers. */
function spawnNext(args: string[], extra: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [NEXT, ...args], {
    env: { ...env, ...extra },
    stdio: 'pipe',
    detached: true,
  });
}

function run(child: ChildProcess, what: string): Promise<void> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM') resolve();
      else reject(new Error(`${what} failed (${String(code ?? signal)}):\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function writeApp(root: string, files: Record<string, string>): void {
  rmSync(root, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text.trim()}\n`);
  }
}
