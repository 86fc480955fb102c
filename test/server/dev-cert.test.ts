import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  DEV_CERT_FILE,
  DEV_KEY_FILE,
  createDevCertificate,
  loadOrCreateDevCertificate,
  spkiHash,
} from '../../src/server/dev-cert.js';
import { independentSpkiHash, tempDir } from '../support/tls.js';

const DAY_MS = 86_400_000;

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
