import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createDevCertificate } from '../../src/server/dev-cert.js';

import type { ChildProcessWithoutNullStreams } from 'node:child_process';

const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.ts');
const PASSWORD = 'correct horse battery staple';

/** This process's environment without any LATCHKEY_ variable, plus `env`. */
function cleanEnv(env: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')),
    ),
    ...env,
  };
}

function latchkey(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    input: '',
    encoding: 'utf8',
    env: cleanEnv(env),
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Standard error up to and including the SPKI hint line. */
  banner: string;
  stop(): Promise<number | null>;
}

/** Starts `latchkey serve ...args` and waits until it has printed the certificate hint. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'serve', ...args], {
    env: cleanEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  let stderr = '';
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no start-up lines: ${stderr}`));
      }, 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`latchkey serve exited (${String(code)}): ${stderr}`));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1] !== undefined && /--ignore-certificate-errors-spki-list=.*\n/.test(stderr)) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    return { child, url, banner: stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function httpsSend(
  url: string,
  method: string,
  path: string,
  options: { ca: string; json?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; setCookies: string[]; body: unknown }> {
  const { hostname, port } = new URL(url);
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: hostname,
        port: Number(port),
        method,
        path,
        ca: options.ca,
        servername: 'localhost',
        agent: false,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            setCookies: response.headers['set-cookie'] ?? [],
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('latchkey serve over HTTPS', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-tls-'));
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('documents --tls-cert, --tls-key and --dev-cert in its help', () => {
    const help = latchkey(['serve', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--tls-cert FILE .*\n.*\(env LATCHKEY_TLS_CERT\)/);
    assert.match(help.stdout, /--tls-key FILE .*\(env LATCHKEY_TLS_KEY\)/);
    assert.match(help.stdout, /--dev-cert .*[\s\S]*\(env LATCHKEY_DEV_CERT=1\)/);
  });

  it('refuses to start with a certificate but no key, or a key that is not its own', () => {
    const made = createDevCertificate();
    const certFile = join(dataDir, 'cert.pem');
    const otherKey = join(dataDir, 'other-key.pem');
    writeFileSync(certFile, made.certPem);
    writeFileSync(otherKey, createDevCertificate().keyPem);

    const alone = latchkey(['serve', '--port', '0', '--data-dir', dataDir, '--tls-cert', certFile]);
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /^latchkey: --tls-key \(LATCHKEY_TLS_KEY\): --tls-cert is set/);
    assert.match(alone.stderr, /CONFIG_INVALID/);
    assert.doesNotMatch(alone.stderr, /listening/);

    const mismatched = latchkey(['serve', '--port', '0', '--data-dir', dataDir], {
      LATCHKEY_TLS_CERT: certFile,
      LATCHKEY_TLS_KEY: otherKey,
    });
    assert.equal(mismatched.code, 1);
    assert.match(mismatched.stderr, /^latchkey: LATCHKEY_TLS_KEY: the key in .* does not match/);
    assert.doesNotMatch(mismatched.stderr, /\n\s+at /, 'no stack trace');
  });

  it('--dev-cert: serves HTTPS, prints the SPKI hash and how to use it, then reuses it', async () => {
    const first = await serve(['--dev-cert', '--port', '0', '--data-dir', dataDir]);
    let spki: string;
    try {
      const certPem = readFileSync(join(dataDir, 'dev-cert.pem'), 'utf8');
      assert.equal(statSync(join(dataDir, 'dev-key.pem')).mode & 0o777, 0o600);
      spki = createHash('sha256')
        .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64');
      const port = new URL(first.url).port;
      assert.match(first.banner, /Development certificate created: .*dev-cert\.pem/);
      assert.ok(first.banner.includes(`SPKI SHA-256: ${spki}\n`), first.banner);
      assert.ok(
        first.banner.includes(
          `chromium --user-data-dir="$(mktemp -d)" --ignore-certificate-errors-spki-list=${spki} ` +
            `https://localhost:${port}/\n`,
        ),
        first.banner,
      );

      const registered = await httpsSend(first.url, 'POST', '/auth/register', {
        ca: certPem,
        json: { email: 'cli-tls@example.com', password: PASSWORD },
      });
      assert.equal(registered.status, 201);
      const login = await httpsSend(first.url, 'POST', '/auth/login', {
        ca: certPem,
        json: { email: 'cli-tls@example.com', password: PASSWORD },
        // As a browser at https://localhost:<port>/ sends it.
        headers: { host: `localhost:${port}`, origin: `https://localhost:${port}` },
      });
      assert.equal(login.status, 200);
      assert.match(
        login.setCookies[0] ?? '',
        /^__Host-auth_token=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      const cookie = login.setCookies[0]?.split(';')[0] ?? '';
      const data = await httpsSend(first.url, 'GET', '/api/secure-data', {
        ca: certPem,
        headers: { cookie },
      });
      assert.equal(data.status, 200);
      assert.equal((data.body as { message: string }).message, 'This is protected data.');
    } finally {
      assert.equal(await first.stop(), 0);
    }

    // Through the environment this time; the kept certificate is reused.
    const second = await serve(['--port', '0', '--data-dir', dataDir], { LATCHKEY_DEV_CERT: '1' });
    try {
      assert.match(second.banner, /Development certificate reused: /);
      assert.ok(second.banner.includes(`SPKI SHA-256: ${spki}\n`), second.banner);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
