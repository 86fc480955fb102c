import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { exited, forget, freePort, track } from '../support/processes.js';
import { cookiePair, errorCode, send } from '../support/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** How long an example may take to start (tsx compiles it on the fly): 30 s. */
const START_TIMEOUT_MS = 30_000;

/** An example app running as a process of its own, on a free loopback port. */
interface ExampleProcess {
  url: string;
  dataDir: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves to whether it exited by itself. */
  stop(): Promise<boolean>;
}

/**
 * Starts `examples/<name>/server.ts` exactly as its documentation says
 * (`node --import tsx examples/<name>/server.ts`), with PORT, LATCHKEY_DATA_DIR and
 * LATCHKEY_SECRETS set, and waits for its "listening on http://..." line.
 */
async function startExample(name: string): Promise<ExampleProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `latchkey-example-${name}-`));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_SECRETS: 'example test secret of at least thirty-two bytes',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`examples/${name} did not start`);
  track(pid);
  child.once('exit', () => {
    forget(pid);
  });
  const stop = async (): Promise<boolean> => {
    let clean = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      clean = await exited(child, 10_000);
      if (!clean) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    return clean;
  };

  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`examples/${name} did not start in time: ${output}`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`examples/${name} exited (${String(code ?? signal)}): ${output}`));
      });
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    return { url, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Runs an example over real HTTP: register, log in, the protected route, a cross-site request
 * refused, logout, and the protected route refused again with the old cookie.
 */
export async function exerciseExample(name: string): Promise<void> {
  const example = await startExample(name);
  try {
    const { url } = example;
    assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+$`));
    const sameOrigin = { origin: url };
    const credentials = { email: 'grace@example.com', password: 'correct horse battery staple' };

    const anonymous = await send(url, 'GET', '/api/secure-data');
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous.body), 'UNAUTHENTICATED');

    const registered = await send(url, 'POST', '/auth/register', {
      json: credentials,
      headers: sameOrigin,
    });
    assert.equal(registered.status, 201);
    assert.ok(existsSync(join(example.dataDir, 'latchkey.db')), 'SQLite in LATCHKEY_DATA_DIR');

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
    const note = await send(url, 'POST', '/api/notes', {
      json: { text: 'mine' },
      cookie,
      headers: sameOrigin,
    });
    assert.equal(note.status, 201);

    const logout = await send(url, 'POST', '/auth/logout', { cookie, headers: sameOrigin });
    assert.equal(logout.status, 200);
    assert.match(logout.setCookies[0] ?? '', /^__Host-auth_token=; Max-Age=0;/);
    const after = await send(url, 'GET', '/api/secure-data', { cookie });
    assert.equal(after.status, 401);
    assert.equal(errorCode(after.body), 'UNAUTHENTICATED');
  } finally {
    assert.equal(await example.stop(), true, `examples/${name} stops on SIGTERM`);
  }
}
