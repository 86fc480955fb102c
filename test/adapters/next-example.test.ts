import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { exited, forget, freePort, isListening, track, waitUntil } from '../support/processes.js';
import { cookiePair, errorCode, send } from '../support/server.js';

import type { ChildProcess } from 'node:child_process';

const ROOT = join(import.meta.dirname, '..', '..');
const NEXT = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
/** How long `next build` may take: 150 s (it takes about 10 s on a quiet 2-CPU machine). */
const BUILD_TIMEOUT_MS = 150_000;
const PASSWORD = 'correct horse battery staple';

/**
 * Runs the Next.js CLI from the repository root, as the example's documentation says
 * (`npx next build examples/next`, `npx next start examples/next -H 127.0.0.1`), with
 * telemetry off. Its own process group, so that stopping it stops any worker it forks.
 */
function runNext(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [NEXT, ...args], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined) {
    const pid = child.pid;
    track(pid);
    child.once('exit', () => {
      forget(pid);
    });
  }
  return child;
}

async function stop(child: ChildProcess): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return true;
  process.kill(-child.pid, 'SIGTERM');
  if (await exited(child, 10_000)) return true;
  process.kill(-child.pid, 'SIGKILL');
  await exited(child);
  return false;
}

function output(child: ChildProcess): () => string {
  let text = '';
  const collect = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => text;
}

describe('examples/next over HTTP (next build, then next start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-example-next-'));
  let server: ChildProcess | undefined;
  let url = '';

  before(async () => {
    const started = performance.now();
    const build = runNext(['build', 'examples/next']);
    const buildOutput = output(build);
    const finished = await exited(build, BUILD_TIMEOUT_MS);
    if (!finished) await stop(build);
    assert.ok(finished, `next build took over ${BUILD_TIMEOUT_MS} ms:\n${buildOutput()}`);
    assert.equal(build.exitCode, 0, `next build failed:\n${buildOutput()}`);
    process.stdout.write(`# next build took ${Math.round(performance.now() - started)} ms\n`);

    const port = await freePort();
    server = runNext(['start', 'examples/next', '-H', '127.0.0.1', '-p', String(port)], {
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_SECRETS: 'example test secret of at least thirty-two bytes',
    });
    const serverOutput = output(server);
    await waitUntil(`next start on port ${port}: ${serverOutput()}`, () => isListening(port));
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (server !== undefined) assert.equal(await stop(server), true, 'next start stops on SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers, logs in, guards, refuses cross-site and logs out over HTTP', async () => {
    const sameOrigin = { origin: url };
    const credentials = { email: 'grace@example.com', password: PASSWORD };
    const anonymous = await send(url, 'GET', '/api/secure-data');
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');

    const registered = await send(url, 'POST', '/auth/register', {
      json: credentials,
      headers: sameOrigin,
    });
    assert.equal(registered.status, 201);
    assert.ok(existsSync(join(dataDir, 'latchkey.db')), 'SQLite in LATCHKEY_DATA_DIR');

    const login = await send(url, 'POST', '/auth/login', {
      json: credentials,
      headers: sameOrigin,
    });
    assert.equal(login.status, 200);
    assert.equal((login.body as { message: string }).message, 'Login successful!');
    const sessionCookie = login.setCookies.find((line) => line.startsWith('__Host-auth_token='));
    assert.match(sessionCookie ?? '', /; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const cookie = cookiePair(sessionCookie);

    const data = await send(url, 'GET', '/api/secure-data', { cookie });
    assert.equal(data.status, 200);
    const { message, user } = data.body as { message: string; user: { email: string } };
    assert.equal(message, 'This is protected data.');
    assert.equal(user.email, credentials.email);

    // proxy.ts refuses it before the route handler runs; the auth route refuses its own.
    const crossSite = { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' };
    const forgedNote = await send(url, 'POST', '/api/notes', {
      json: { text: 'forged' },
      cookie,
      headers: crossSite,
    });
    assert.equal(forgedNote.status, 403);
    assert.equal(errorCode(forgedNote.body), 'CSRF_CROSS_SITE');
    const forgedLogout = await send(url, 'POST', '/auth/logout', { cookie, headers: crossSite });
    assert.equal(forgedLogout.status, 403);
    assert.equal(errorCode(forgedLogout.body), 'CSRF_CROSS_SITE');

    // Without Origin, a token from GET /auth/session: proxy.ts and the route handlers share
    // one instance (and its signing secret).
    const session = await send(url, 'GET', '/auth/session', { cookie });
    const { csrfToken } = session.body as { csrfToken: string };
    const note = await send(url, 'POST', '/api/notes', {
      json: { text: 'mine' },
      cookie,
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(note.status, 201, note.text);

    const logout = await send(url, 'POST', '/auth/logout', { cookie, headers: sameOrigin });
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
    const afterLogout = await send(url, 'GET', '/api/secure-data', { cookie });
    assert.equal(afterLogout.status, 401);
    assert.equal(errorCode(afterLogout.body), 'UNAUTHENTICATED');
  });
});
