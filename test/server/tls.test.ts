import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { resolveServerConfig } from '../../src/server/config.js';
import {
  DEV_CERT_FILE,
  DEV_KEY_FILE,
  createDevCertificate,
  loadOrCreateDevCertificate,
  spkiHash,
} from '../../src/server/dev-cert.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';

import type { RunningServer } from '../../src/server/serve.js';

const DAY_MS = 86_400_000;
const PASSWORD = 'correct horse battery staple';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
}

/** The hash Chromium pins, computed another way: from Node's own export of the public key. */
function independentSpkiHash(certPem: string): string {
  return createHash('sha256')
    .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

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

describe('development certificate', () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);
  const made = createDevCertificate({ now });
  const certificate = new X509Certificate(made.certPem);

  it('is a self-signed ECDSA P-256 certificate that its key matches and verifies', () => {
    const key = createPrivateKey(made.keyPem);
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(certificate.checkPrivateKey(key), true);
    assert.equal(certificate.verify(certificate.publicKey), true);
    assert.equal(certificate.subject, 'CN=localhost');
    assert.equal(certificate.issuer, 'CN=localhost');
    assert.equal(certificate.ca, false);
    assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extendedKeyUsage serverAuth');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(certificate.verify(other.publicKey), false);
    assert.equal(certificate.checkPrivateKey(other.privateKey), false);
  });

  it('names localhost, 127.0.0.1 and ::1, and nothing else', () => {
    assert.equal(
      certificate.subjectAltName,
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    assert.equal(certificate.checkHost('localhost'), 'localhost');
    assert.equal(certificate.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(certificate.checkIP('::1'), '::1');
    assert.equal(certificate.checkHost('example.com'), undefined);
    assert.equal(certificate.checkHost('sub.localhost'), undefined);
    assert.equal(certificate.checkIP('127.0.0.2'), undefined);
  });

  it('is valid from just before now for 30 days, no more', () => {
    const from = new Date(certificate.validFrom).getTime();
    const to = new Date(certificate.validTo).getTime();
    assert.ok(from <= now && now - from <= 10 * 60_000, certificate.validFrom);
    assert.ok(to - from <= 30 * DAY_MS, `${certificate.validFrom} to ${certificate.validTo}`);
    assert.ok(to - from >= 29 * DAY_MS);
    assert.equal(made.notAfter.getTime(), to);
    assert.equal(made.notBefore.getTime(), from);
    assert.throws(() => createDevCertificate({ validityDays: 31 }), RangeError);
    assert.throws(() => createDevCertificate({ validityDays: 0 }), RangeError);
    const short = new X509Certificate(createDevCertificate({ now, validityDays: 3 }).certPem);
    assert.equal(
      new Date(short.validTo).getTime() - new Date(short.validFrom).getTime(),
      3 * DAY_MS,
    );
  });

  it('has a positive serial number of about 128 bits, new each time', () => {
    const serials = new Set(
      Array.from(
        { length: 5 },
        () => new X509Certificate(createDevCertificate().certPem).serialNumber,
      ),
    );
    assert.equal(serials.size, 5);
    for (const serial of serials) {
      assert.ok(BigInt(`0x${serial}`) > 0n);
      assert.ok(serial.replace(/^0+/, '').length <= 32, serial);
    }
  });

  it('reports the SPKI hash Chromium takes, as an independent computation gives it', () => {
    assert.equal(made.spkiSha256Base64, independentSpkiHash(made.certPem));
    assert.equal(spkiHash(made.certPem), made.spkiSha256Base64);
    assert.match(made.spkiSha256Base64, /^[A-Za-z0-9+/]{43}=$/);
    const another = createDevCertificate({ now });
    assert.notEqual(another.spkiSha256Base64, made.spkiSha256Base64, 'a new key each time');
  });

  it('reads as the intended certificate to OpenSSL, when it is installed', (t) => {
    const which = spawnSync('which', ['openssl'], { encoding: 'utf8' });
    if (which.status !== 0) {
      if (process.env.CI === 'true') assert.fail('openssl is needed in CI');
      t.skip('openssl is not installed');
      return;
    }
    const dir = tempDir();
    try {
      const file = join(dir, 'cert.pem');
      writeFileSync(file, made.certPem);
      const text = spawnSync('openssl', ['x509', '-in', file, '-noout', '-text'], {
        encoding: 'utf8',
      });
      assert.equal(text.status, 0, text.stderr);
      for (const expected of [
        /Version: 3 \(0x2\)/,
        /Signature Algorithm: ecdsa-with-SHA256/,
        /Issuer: CN ?= ?localhost/,
        /Subject: CN ?= ?localhost/,
        /ASN1 OID: prime256v1/,
        /X509v3 Subject Alternative Name: *\n\s+DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/,
        /X509v3 Basic Constraints: critical\n\s+CA:FALSE/,
        /X509v3 Key Usage: critical\n\s+Digital Signature\n/,
        /X509v3 Extended Key Usage: *\n\s+TLS Web Server Authentication\n/,
      ]) {
        assert.match(text.stdout, expected);
      }
      const strict = spawnSync('openssl', ['asn1parse', '-in', file, '-strictpem'], {
        encoding: 'utf8',
      });
      assert.equal(strict.status, 0, strict.stderr);
      // Chromium's documented recipe for the pin, through OpenSSL alone.
      const pin = spawnSync(
        'sh',
        [
          '-c',
          'openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | ' +
            'openssl dgst -sha256 -binary | openssl base64',
          'sh',
          file,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(pin.status, 0, pin.stderr);
      assert.equal(pin.stdout.trim(), made.spkiSha256Base64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('development certificate in the data folder', () => {
  let dataDir: string;
  before(() => {
    dataDir = tempDir();
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is made once, the key readable by its owner only, then reused', () => {
    let now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const clock = () => now;
    const first = loadOrCreateDevCertificate(dataDir, { clock });
    assert.equal(first.created, true);
    assert.equal(first.certFile, join(dataDir, DEV_CERT_FILE));
    assert.equal(first.keyFile, join(dataDir, DEV_KEY_FILE));
    assert.equal(statSync(first.keyFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(first.certFile, 'utf8'), first.certPem);
    assert.equal(readFileSync(first.keyFile, 'utf8'), first.keyPem);

    now += 20 * DAY_MS;
    const second = loadOrCreateDevCertificate(dataDir, { clock });
    assert.equal(second.created, false);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.spkiSha256Base64, first.spkiSha256Base64);

    chmodSync(first.keyFile, 0o644);
    loadOrCreateDevCertificate(dataDir, { clock });
    assert.equal(statSync(first.keyFile).mode & 0o777, 0o600, 'a loosened key is tightened');
  });

  it('is replaced within 2 days of its end, and once expired', () => {
    const start = Date.UTC(2026, 11, 4, 12, 0, 0);
    let now = start;
    const dir = tempDir();
    try {
      const first = loadOrCreateDevCertificate(dir, { clock: () => now });
      now = first.notAfter.getTime() - 2 * DAY_MS - 60_000;
      assert.equal(loadOrCreateDevCertificate(dir, { clock: () => now }).created, false);
      now = first.notAfter.getTime() - 2 * DAY_MS + 60_000;
      const renewed = loadOrCreateDevCertificate(dir, { clock: () => now });
      assert.equal(renewed.created, true);
      assert.notEqual(renewed.spkiSha256Base64, first.spkiSha256Base64);
      assert.ok(renewed.notAfter.getTime() - now > 27 * DAY_MS);

      now = renewed.notAfter.getTime() + DAY_MS;
      const afterExpiry = loadOrCreateDevCertificate(dir, { clock: () => now });
      assert.equal(afterExpiry.created, true);
      assert.equal(new X509Certificate(afterExpiry.certPem).checkIP('127.0.0.1'), '127.0.0.1');

      // A clock set back before the certificate began: not valid yet, so replaced too.
      now = start - 10 * DAY_MS;
      assert.equal(loadOrCreateDevCertificate(dir, { clock: () => now }).created, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is replaced when a file is corrupt, missing, or the key does not match', () => {
    const dir = tempDir();
    try {
      const first = loadOrCreateDevCertificate(dir);
      writeFileSync(first.certFile, 'not a certificate');
      const afterCorruptCert = loadOrCreateDevCertificate(dir);
      assert.equal(afterCorruptCert.created, true);

      writeFileSync(
        first.keyFile,
        '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      );
      const afterCorruptKey = loadOrCreateDevCertificate(dir);
      assert.equal(afterCorruptKey.created, true);

      writeFileSync(
        first.keyFile,
        createDevCertificate().keyPem, // a valid key, but not this certificate's
      );
      const afterMismatch = loadOrCreateDevCertificate(dir);
      assert.equal(afterMismatch.created, true);
      assert.equal(
        new X509Certificate(afterMismatch.certPem).checkPrivateKey(
          createPrivateKey(readFileSync(first.keyFile, 'utf8')),
        ),
        true,
      );

      rmSync(first.keyFile);
      assert.equal(loadOrCreateDevCertificate(dir).created, true);
      assert.equal(loadOrCreateDevCertificate(dir).created, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

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
