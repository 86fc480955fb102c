import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { DEV_CERT_FILE, createDevCertificate } from '../../src/server/dev-cert.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';
import { independentSpkiHash, tempDir } from '../support/tls.js';

import type { RunningServer } from '../../src/server/serve.js';

const PASSWORD = 'correct horse battery staple';

/** True when the ConfigError names this option. */
const names =
  (option: string, detail?: RegExp) =>
  (error: unknown): boolean =>
    error instanceof ConfigError &&
    error.option === option &&
    (detail === undefined || detail.test(error.message));

interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  setCookies: string[];
  body: unknown;
}

/** One HTTPS request to 127.0.0.1 that trusts only `ca`, checking the name `servername`. */
function httpsSend(
  url: string,
  method: string,
  path: string,
  options: {
    ca: string;
    servername?: string;
    json?: unknown;
    headers?: Record<string, string>;
  },
): Promise<HttpsResponse> {
  const { port, hostname } = new URL(url);
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: hostname,
        port: Number(port),
        method,
        path,
        ca: options.ca,
        ...(options.servername === undefined ? {} : { servername: options.servername }),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            setCookies: response.headers['set-cookie'] ?? [],
            body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('TLS configuration', () => {
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let otherKeyFile: string;
  let garbageFile: string;
  before(() => {
    dir = tempDir();
    const made = createDevCertificate();
    certFile = join(dir, 'cert.pem');
    keyFile = join(dir, 'key.pem');
    otherKeyFile = join(dir, 'other-key.pem');
    garbageFile = join(dir, 'garbage.pem');
    writeFileSync(certFile, made.certPem);
    writeFileSync(keyFile, made.keyPem);
    writeFileSync(otherKeyFile, createDevCertificate().keyPem);
    writeFileSync(garbageFile, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default: plain HTTP, no development certificate', () => {
    const config = resolveServerConfig({ flags: {}, env: {} });
    assert.equal(config.tls, null);
    assert.equal(config.devCert, false);
    assert.equal(config.port, 3000);
  });

  it('takes the certificate and key from flags or the environment, flags first', () => {
    const fromFlags = resolveServerConfig({
      flags: { 'tls-cert': certFile, 'tls-key': keyFile },
      env: {},
    });
    assert.deepEqual(fromFlags.tls, { certFile, keyFile });
    assert.equal(fromFlags.port, 3000, 'TLS keeps the default port');
    const fromEnv = resolveServerConfig({
      flags: {},
      env: { LATCHKEY_TLS_CERT: certFile, LATCHKEY_TLS_KEY: keyFile },
    });
    assert.deepEqual(fromEnv.tls, { certFile, keyFile });
    const mixed = resolveServerConfig({
      flags: { 'tls-key': keyFile },
      env: { LATCHKEY_TLS_CERT: certFile, LATCHKEY_TLS_KEY: otherKeyFile },
    });
    assert.deepEqual(mixed.tls, { certFile, keyFile }, 'the flag wins over the variable');
  });

  it('turns the development certificate on with --dev-cert or LATCHKEY_DEV_CERT', () => {
    assert.equal(resolveServerConfig({ flags: { 'dev-cert': true }, env: {} }).devCert, true);
    assert.equal(resolveServerConfig({ flags: {}, env: { LATCHKEY_DEV_CERT: '1' } }).devCert, true);
    assert.equal(
      resolveServerConfig({ flags: {}, env: { LATCHKEY_DEV_CERT: 'off' } }).devCert,
      false,
    );
    assert.throws(
      () => resolveServerConfig({ flags: {}, env: { LATCHKEY_DEV_CERT: 'maybe' } }),
      names('LATCHKEY_DEV_CERT', /use on or off/),
    );
  });

  it('refuses a certificate without a key, and a key without a certificate', () => {
    assert.throws(
      () => resolveServerConfig({ flags: { 'tls-cert': certFile }, env: {} }),
      names(
        '--tls-key (LATCHKEY_TLS_KEY)',
        /--tls-cert is set.*give --tls-cert and --tls-key together, or neither/,
      ),
    );
    assert.throws(
      () => resolveServerConfig({ flags: {}, env: { LATCHKEY_TLS_KEY: keyFile } }),
      names('--tls-cert (LATCHKEY_TLS_CERT)', /LATCHKEY_TLS_KEY is set/),
    );
  });

  it('refuses an unreadable file, naming the option that gave it', () => {
    const missing = join(dir, 'missing.pem');
    assert.throws(
      () => resolveServerConfig({ flags: { 'tls-cert': missing, 'tls-key': keyFile }, env: {} }),
      names('--tls-cert', /cannot read ".*missing\.pem"; give a readable PEM file/),
    );
    assert.throws(
      () =>
        resolveServerConfig({
          flags: {},
          env: { LATCHKEY_TLS_CERT: certFile, LATCHKEY_TLS_KEY: missing },
        }),
      names('LATCHKEY_TLS_KEY', /cannot read/),
    );
    assert.throws(
      () => resolveServerConfig({ flags: { 'tls-cert': dir, 'tls-key': keyFile }, env: {} }),
      names('--tls-cert', /cannot read/),
      'a folder is not a file',
    );
  });

  it('refuses a file that holds no PEM certificate or key', () => {
    for (const bad of [garbageFile, keyFile]) {
      assert.throws(
        () => resolveServerConfig({ flags: { 'tls-cert': bad, 'tls-key': keyFile }, env: {} }),
        names(
          '--tls-cert',
          /holds no PEM certificate; give a file starting "-----BEGIN CERTIFICATE-----"/,
        ),
      );
    }
    for (const bad of [garbageFile, certFile]) {
      assert.throws(
        () => resolveServerConfig({ flags: { 'tls-cert': certFile, 'tls-key': bad }, env: {} }),
        names('--tls-key', /holds no unencrypted PEM private key/),
      );
    }
  });

  it('refuses a key that is not the certificate’s', () => {
    assert.throws(
      () =>
        resolveServerConfig({ flags: { 'tls-cert': certFile, 'tls-key': otherKeyFile }, env: {} }),
      names('--tls-key', /does not match the certificate in ".*cert\.pem"; give the private key/),
    );
  });

  it('fails at start, before opening the store or binding the port, when a file went bad', async () => {
    const dataDir = tempDir();
    const movingKey = join(dir, 'moving-key.pem');
    writeFileSync(movingKey, readFileSync(keyFile));
    try {
      const config = resolveServerConfig({
        flags: { port: '0', 'data-dir': dataDir, 'tls-cert': certFile, 'tls-key': movingKey },
        env: {},
      });
      writeFileSync(movingKey, readFileSync(otherKeyFile));
      await assert.rejects(
        startServer(config, { logger: createJsonLogger({ write: () => undefined }) }),
        names('--tls-key (LATCHKEY_TLS_KEY)', /does not match the certificate/),
      );
      assert.equal(existsSync(join(dataDir, 'latchkey.db')), false, 'the store was not opened');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('HTTPS server', () => {
  async function start(
    flags: Record<string, string | boolean>,
    dataDir: string,
    lines: string[] = [],
  ): Promise<RunningServer> {
    const config = resolveServerConfig({
      flags: { port: '0', host: '127.0.0.1', 'data-dir': dataDir, ...flags },
      env: {},
    });
    return startServer(config, { logger: createJsonLogger({ write: (line) => lines.push(line) }) });
  }

  it('with --dev-cert: registers, logs in and serves the protected API over TLS', async () => {
    const dataDir = tempDir();
    const lines: string[] = [];
    const server = await start({ 'dev-cert': true }, dataDir, lines);
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.certificate?.source, 'dev');
      assert.equal(server.certificate.created, true);
      const ca = readFileSync(join(dataDir, DEV_CERT_FILE), 'utf8');
      assert.equal(server.certificate.spkiSha256Base64, independentSpkiHash(ca));
      const started = JSON.parse(lines.find((line) => line.includes('server.started')) ?? '{}') as {
        url?: string;
        tls?: string;
        spkiSha256?: string;
      };
      assert.equal(started.url, server.url);
      assert.equal(started.tls, 'dev');
      assert.equal(started.spkiSha256, server.certificate.spkiSha256Base64);

      const registered = await httpsSend(server.url, 'POST', '/auth/register', {
        ca,
        json: { email: 'tls@example.com', password: PASSWORD },
      });
      assert.equal(registered.status, 201);
      assert.match(
        registered.setCookies[0] ?? '',
        /^__Host-auth_token=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      // No HSTS for localhost: it would pin HTTPS on every localhost port of the browser.
      assert.equal(registered.headers['strict-transport-security'], undefined);

      // A browser on this page sends its own origin: https, which the server must see it is.
      const origin = server.url;
      const login = await httpsSend(server.url, 'POST', '/auth/login', {
        ca,
        servername: 'localhost',
        json: { email: 'tls@example.com', password: PASSWORD },
        headers: { origin, cookie: registered.setCookies[0]?.split(';')[0] ?? '' },
      });
      assert.equal(login.status, 200);
      assert.equal((login.body as { message: string }).message, 'Login successful!');
      const cookie = login.setCookies[0]?.split(';')[0] ?? '';
      assert.match(
        login.setCookies[0] ?? '',
        /^__Host-auth_token=[^;]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );

      const data = await httpsSend(server.url, 'GET', '/api/secure-data', {
        ca,
        headers: { cookie },
      });
      assert.equal(data.status, 200);
      assert.equal((data.body as { message: string }).message, 'This is protected data.');
      assert.equal(
        (await httpsSend(server.url, 'GET', '/api/secure-data', { ca, servername: 'localhost' }))
          .status,
        401,
      );

      // The scheme comes from the TLS socket: an http:// origin is another origin, and a
      // forged X-Forwarded-Proto changes nothing (no proxy is trusted).
      const downgraded = await httpsSend(server.url, 'POST', '/auth/logout', {
        ca,
        headers: {
          origin: origin.replace('https:', 'http:'),
          'x-forwarded-proto': 'http',
          cookie,
        },
      });
      assert.equal(downgraded.status, 403);
      assert.equal(
        (downgraded.body as { error: { code: string } }).error.code,
        'CSRF_ORIGIN_MISMATCH',
      );
    } finally {
      await server.close();
    }

    // A second start reuses the certificate.
    const again = await start({ 'dev-cert': true }, dataDir);
    try {
      assert.equal(again.certificate?.created, false);
      const ca = readFileSync(join(dataDir, DEV_CERT_FILE), 'utf8');
      const response = await httpsSend(again.url, 'GET', '/auth/session', { ca });
      assert.equal(response.status, 401);
    } finally {
      await again.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is refused by a client that does not trust the certificate', async () => {
    const dataDir = tempDir();
    const server = await start({ 'dev-cert': true }, dataDir);
    try {
      await assert.rejects(
        httpsSend(server.url, 'GET', '/auth/session', { ca: createDevCertificate().certPem }),
        (error: NodeJS.ErrnoException) => error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT',
      );
      await assert.rejects(
        httpsSend(server.url, 'GET', '/auth/session', {
          ca: readFileSync(join(dataDir, DEV_CERT_FILE), 'utf8'),
          servername: 'example.com',
        }),
        (error: NodeJS.ErrnoException) => error.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
      );
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with --tls-cert and --tls-key: serves that certificate, and --dev-cert makes none', async () => {
    const dataDir = tempDir();
    const made = createDevCertificate();
    const certFile = join(dataDir, 'given-cert.pem');
    const keyFile = join(dataDir, 'given-key.pem');
    writeFileSync(certFile, made.certPem);
    writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
    const server = await start(
      { 'tls-cert': certFile, 'tls-key': keyFile, 'dev-cert': true },
      dataDir,
    );
    try {
      assert.match(server.url, /^https:\/\//);
      assert.equal(server.certificate?.source, 'files');
      assert.equal(server.certificate.spkiSha256Base64, made.spkiSha256Base64);
      assert.equal(existsSync(join(dataDir, DEV_CERT_FILE)), false);
      const registered = await httpsSend(server.url, 'POST', '/auth/register', {
        ca: made.certPem,
        servername: 'localhost',
        json: { email: 'files@example.com', password: PASSWORD },
      });
      assert.equal(registered.status, 201);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stays plain HTTP without TLS options, with no HSTS', async () => {
    const dataDir = tempDir();
    const server = await start({}, dataDir);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.certificate, null);
      const response = await fetch(`${server.url}/auth/session`);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('strict-transport-security'), null);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
