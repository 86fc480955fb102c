import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SharedStore } from './latchkey-targets.js';

/** Who a target belongs to: the chart colours them apart. */
export type Family = 'ceiling' | 'latchkey' | 'field';

/** One server of the field benchmark, before it is started. */
export interface FieldTarget {
  name: string;
  family: Family;
  command: readonly string[];
  env: Record<string, string>;
  /** Obtains a session for a fresh user: the `Cookie` header, and the email it belongs to. */
  logIn: ((baseUrl: string) => Promise<Session>) | null;
}

/** A logged-in user, as every request of a timed run presents it. */
export interface Session {
  cookie: string;
  email: string;
}

/** The name of the target every other one is also compared with. */
export const EXPRESS_SESSION_MEMORY = 'express-session, MemoryStore';

const PASSWORD = 'correct horse battery staple';
// No login of the benchmark may hang a run.
const LOGIN_TIMEOUT_MS = 30_000;

/**
 * The field: the ceiling first, then Latchkey's server over every store that answers, then
 * Latchkey's adapters, then the libraries a user would pick instead. Every target runs in a
 * process of its own with NODE_ENV=production and its data in `dataDir`.
 */
export function fieldTargets(options: {
  root: string;
  dataDir: string;
  latchkeyStores: readonly SharedStore[];
  /** Where connect-redis may write, or null to leave it out. */
  redis: { url: string; prefix: string } | null;
  /**
   * Another built tree (BENCH_BASELINE_ROOT): its server runs beside this one's on every store,
   * named "(baseline)", for a before/after of a change in one run. Default: none.
   */
  baselineRoot?: string | null;
}): FieldTarget[] {
  const { root, dataDir } = options;
  const node = process.execPath;
  const tsx = (file: string) => [node, '--import', 'tsx', join(root, 'bench', 'targets', file)];
  const dir = (name: string) => join(dataDir, name.replace(/[^a-z0-9]+/gi, '-'));
  const production = { NODE_ENV: 'production' };

  const targets: FieldTarget[] = [
    {
      name: 'node:http (ceiling)',
      family: 'ceiling',
      command: tsx('bare.ts'),
      env: production,
      logIn: null,
    },
  ];
  const servers = [{ root, suffix: '' }];
  if (options.baselineRoot != null) {
    servers.push({ root: options.baselineRoot, suffix: ' (baseline)' });
  }
  for (const server of servers) {
    // Each server a SQLite file of its own; PostgreSQL and Redis are shared, as servers share them.
    const sqliteDir = dir(`latchkey-server${server.suffix}`);
    const stores = [
      { name: 'SQLite', url: `sqlite:${join(sqliteDir, 'latchkey.db')}` },
      ...options.latchkeyStores,
    ];
    for (const store of stores) {
      const name = `Latchkey server, ${store.name}${server.suffix}`;
      targets.push({
        name,
        family: 'latchkey',
        command: [
          node,
          join(server.root, 'dist', 'cli', 'bin.js'),
          'serve',
          '--port',
          '0',
          '--data-dir',
          dir(name),
          '--store',
          store.url,
        ],
        env: production,
        logIn: registerWithLatchkey,
      });
    }
  }
  for (const [framework, file] of [
    ['Express 5', 'latchkey-express.ts'],
    ['Hono 4', 'latchkey-hono.ts'],
    ['node:http', 'latchkey-node.ts'],
  ] as const) {
    const name = `${framework} + Latchkey, SQLite`;
    targets.push({
      name,
      family: 'latchkey',
      command: tsx(file),
      env: { ...production, LATCHKEY_DATA_DIR: dir(name) },
      logIn: registerWithLatchkey,
    });
  }
  targets.push({
    name: EXPRESS_SESSION_MEMORY,
    family: 'field',
    command: tsx('express-session.ts'),
    env: { ...production, FIELD_STORE: 'memory' },
    logIn: standInLogin,
  });
  if (options.redis !== null) {
    targets.push({
      name: 'express-session, connect-redis',
      family: 'field',
      command: tsx('express-session.ts'),
      env: {
        ...production,
        FIELD_STORE: 'redis',
        REDIS_URL: options.redis.url,
        REDIS_PREFIX: options.redis.prefix,
      },
      logIn: standInLogin,
    });
  }
  targets.push(
    {
      name: 'iron-session',
      family: 'field',
      command: tsx('iron-session.ts'),
      env: production,
      logIn: standInLogin,
    },
    {
      name: 'better-auth, SQLite',
      family: 'field',
      command: tsx('better-auth.ts'),
      // Telemetry off by the environment as well as by the option in the target, and no
      // endpoint for it to reach even if it were on.
      env: { ...production, FIELD_DATA_DIR: dir('better-auth'), BETTER_AUTH_TELEMETRY: '0' },
      logIn: signUpWithBetterAuth,
    },
  );
  return targets;
}

/** Latchkey (server or adapter): `POST /auth/register` answers 201 with the session cookie. */
async function registerWithLatchkey(baseUrl: string): Promise<Session> {
  const email = freshEmail();
  const response = await fetch(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
    signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
  });
  return { cookie: await sessionCookie(response, 201), email };
}

/** express-session and iron-session: the targets' own stand-in `POST /login {email}`. */
async function standInLogin(baseUrl: string): Promise<Session> {
  const email = freshEmail();
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
    signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
  });
  return { cookie: await sessionCookie(response, 201), email };
}

/** better-auth: `POST /api/auth/sign-up/email`, which signs the new user in (autoSignIn). */
async function signUpWithBetterAuth(baseUrl: string): Promise<Session> {
  const email = freshEmail();
  const response = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    // Its origin check wants the request to come from its own origin, as a browser's would.
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ name: 'Bench', email, password: PASSWORD }),
    signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
  });
  return { cookie: await sessionCookie(response, 200), email };
}

/** The same email form as Latchkey's bench login, so that every answer has the same length. */
function freshEmail(): string {
  return `bench-${randomBytes(6).toString('hex')}@example.com`;
}

/** Every cookie the response sets, as the one `Cookie` header a browser would send back. */
async function sessionCookie(response: Response, expectedStatus: number): Promise<string> {
  const text = await response.text();
  if (response.status !== expectedStatus) {
    throw new Error(
      `login answered ${response.status}, not ${expectedStatus}: ${text.slice(0, 300)}`,
    );
  }
  const pairs = response.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0]?.trim() ?? '')
    .filter((pair) => pair.includes('='));
  if (pairs.length === 0) throw new Error('login set no cookie');
  return pairs.join('; ');
}

/** The installed version of every library the field runs, from node_modules, for the record. */
export function libraryVersions(root: string): Record<string, string> {
  const names = [
    'autocannon',
    'express',
    'express-session',
    'connect-redis',
    'redis',
    'iron-session',
    'iron-webcrypto',
    'better-auth',
    'better-sqlite3',
    'hono',
    '@hono/node-server',
    'pg',
    'ioredis',
  ];
  return Object.fromEntries(
    names.map((name) => {
      try {
        const path = join(root, 'node_modules', name, 'package.json');
        const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version: string };
        return [name, version];
      } catch {
        return [name, 'not installed'];
      }
    }),
  );
}
