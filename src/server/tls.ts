import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

import { ConfigError } from '../errors.js';
import { certificateValidity } from './der.js';
import { spkiHash } from './dev-cert.js';

import type { KeyObject } from 'node:crypto';

/** A certificate and key checked to work together, ready for `https.createServer`. */
export interface TlsCredentials {
  /** PEM: the certificate, optionally followed by its intermediates. */
  cert: string;
  /** PEM: the certificate's private key. */
  key: string;
  /** See {@link spkiHash}. */
  spkiSha256Base64: string;
  notAfter: Date;
}

/**
 * Reads a PEM certificate and key and checks that they belong together, so that a server
 * fails at start, before it binds its port, rather than at the first handshake. Errors are
 * {@link ConfigError}s naming `names.cert` or `names.key` (the flag or variable that gave
 * the file).
 */
export function loadTlsCredentials(
  files: { certFile: string; keyFile: string },
  names: { cert: string; key: string },
): TlsCredentials {
  const cert = readText(files.certFile, names.cert);
  const key = readText(files.keyFile, names.key);

  let certificate: X509Certificate;
  try {
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate');
    certificate = new X509Certificate(cert);
  } catch {
    throw new ConfigError(
      names.cert,
      `"${files.certFile}" holds no PEM certificate; give a file starting ` +
        '"-----BEGIN CERTIFICATE-----" (the server certificate first, then any intermediates)',
    );
  }
  let privateKey: KeyObject;
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error('no PEM key');
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(
      names.key,
      `"${files.keyFile}" holds no unencrypted PEM private key; give a file starting ` +
        '"-----BEGIN PRIVATE KEY-----" (or an EC or RSA PRIVATE KEY), without a passphrase',
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      names.key,
      `the key in "${files.keyFile}" does not match the certificate in "${files.certFile}"; ` +
        'give the private key the certificate was issued for',
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(
      names.cert,
      `the certificate and key cannot be served: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    cert,
    key,
    spkiSha256Base64: spkiHash(cert),
    notAfter: notAfterOf(certificate),
  };
}

function notAfterOf(certificate: X509Certificate): Date {
  try {
    return certificateValidity(certificate.raw).notAfter;
  } catch {
    return new Date(certificate.validTo);
  }
}

function readText(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(name, `cannot read "${path}"; give a readable PEM file`);
  }
}
