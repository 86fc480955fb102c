import {
  X509Certificate,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  bitString,
  boolean,
  certificateValidity,
  explicit,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  subjectPublicKeyInfo,
  utf8String,
  x509Time,
} from './der.js';

/** File name, inside the data folder, of the development certificate (PEM). */
export const DEV_CERT_FILE = 'dev-cert.pem';
/** File name, inside the data folder, of the development certificate's private key (PEM). */
export const DEV_KEY_FILE = 'dev-key.pem';

/** The longest a development certificate is valid for. Unit: days. */
export const DEV_CERT_MAX_DAYS = 30;
/** A kept certificate this close to its end (or past it) is replaced. Unit: days. */
export const DEV_CERT_RENEW_DAYS = 2;

const DAY_MS = 86_400_000;

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** A self-signed certificate for local development, with its key. */
export interface DevCertificate {
  /** The certificate, PEM. */
  certPem: string;
  /** Its private key (ECDSA P-256), unencrypted PKCS#8 PEM. */
  keyPem: string;
  /**
   * Base64 of the SHA-256 of the certificate's DER SubjectPublicKeyInfo: what Chromium's
   * `--ignore-certificate-errors-spki-list` takes.
   */
  spkiSha256Base64: string;
  notBefore: Date;
  notAfter: Date;
}

/** Options for {@link createDevCertificate}. */
export interface DevCertificateOptions {
  /** The current time, milliseconds since the epoch. Default: `Date.now()`. */
  now?: number;
  /** How long it is valid for, counted from 5 minutes before `now`. Unit: days. Default and most: 30. */
  validityDays?: number;
}

/**
 * Makes a self-signed X.509 v3 certificate for `localhost`, `127.0.0.1` and `::1` with a new
 * ECDSA P-256 key: subject and issuer `CN=localhost`, signed with ecdsa-with-SHA256,
 * subjectAltName `DNS:localhost, IP:127.0.0.1, IP:::1`, basicConstraints `CA:FALSE` and
 * keyUsage `digitalSignature` (both critical), extendedKeyUsage `serverAuth`. It is for
 * development only: nothing vouches for it, so a browser must be told to trust it.
 */
export function createDevCertificate(options: DevCertificateOptions = {}): DevCertificate {
  const now = options.now ?? Date.now();
  const days = options.validityDays ?? DEV_CERT_MAX_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > DEV_CERT_MAX_DAYS) {
    throw new RangeError(`validityDays must be a whole number from 1 to ${DEV_CERT_MAX_DAYS}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  // Whole seconds (the encoding has no more), starting a little early for clock skew.
  const notBefore = new Date(Math.floor((now - 5 * 60_000) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + days * DAY_MS);
  const name = sequence(set(sequence(oid(OID.commonName), utf8String('localhost'))));
  const algorithm = sequence(oid(OID.ecdsaWithSha256)); // ECDSA: no parameters, not even NULL
  const extensions = sequence(
    extension(
      OID.subjectAltName,
      false,
      sequence(
        implicit(2, Buffer.from('localhost', 'ascii')), // dNSName
        implicit(7, Buffer.from([127, 0, 0, 1])), // iPAddress 127.0.0.1
        implicit(7, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])), // ::1
      ),
    ),
    extension(OID.basicConstraints, true, sequence()), // cA defaults to FALSE
    extension(OID.keyUsage, true, namedBits([0])), // digitalSignature
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
  );
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    algorithm,
    name,
    sequence(x509Time(notBefore), x509Time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  // For an EC key, crypto.sign gives the DER Ecdsa-Sig-Value X.509 expects.
  const signature = sign('sha256', tbs, privateKey);
  const certPem = toPem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
  return {
    certPem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    spkiSha256Base64: spkiHash(certPem),
    notBefore,
    notAfter,
  };
}

/**
 * Base64 of the SHA-256 of a certificate's SubjectPublicKeyInfo (its DER bytes as they stand
 * in the certificate): the pin Chromium's `--ignore-certificate-errors-spki-list` and HPKP
 * take. Only the first certificate of a PEM chain counts.
 */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return createHash('sha256').update(subjectPublicKeyInfo(der)).digest('base64');
}

/** A development certificate kept in the data folder. */
export interface KeptDevCertificate extends DevCertificate {
  certFile: string;
  keyFile: string;
  /** True when it was made now; false when the kept one was still good and reused. */
  created: boolean;
}

/**
 * The development certificate in `dataDir` (`dev-cert.pem`, `dev-key.pem`): reused while it
 * is readable, matches its key, names localhost, 127.0.0.1 and ::1, and is valid for more
 * than {@link DEV_CERT_RENEW_DAYS} more days; otherwise a new one is made and written, the
 * key readable by its owner only.
 */
export function loadOrCreateDevCertificate(
  dataDir: string,
  options: { clock?: () => number } = {},
): KeptDevCertificate {
  const now = (options.clock ?? Date.now)();
  const certFile = join(dataDir, DEV_CERT_FILE);
  const keyFile = join(dataDir, DEV_KEY_FILE);
  const kept = readKept(certFile, keyFile, now);
  if (kept !== null) {
    if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
    return { ...kept, certFile, keyFile, created: false };
  }
  const made = createDevCertificate({ now });
  // The key first: a certificate on disk never names a key that is not there yet.
  replaceFile(keyFile, made.keyPem, 0o600);
  replaceFile(certFile, made.certPem, 0o644);
  return { ...made, certFile, keyFile, created: true };
}

function readKept(certFile: string, keyFile: string, now: number): DevCertificate | null {
  try {
    const certPem = readFileSync(certFile, 'utf8');
    const keyPem = readFileSync(keyFile, 'utf8');
    const certificate = new X509Certificate(certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) return null;
    if (
      certificate.checkHost('localhost') === undefined ||
      certificate.checkIP('127.0.0.1') === undefined ||
      certificate.checkIP('::1') === undefined
    ) {
      return null;
    }
    const { notBefore, notAfter } = certificateValidity(certificate.raw);
    if (notBefore.getTime() > now) return null;
    if (notAfter.getTime() - now <= DEV_CERT_RENEW_DAYS * DAY_MS) return null;
    if (notAfter.getTime() - notBefore.getTime() > DEV_CERT_MAX_DAYS * DAY_MS) return null;
    return { certPem, keyPem, spkiSha256Base64: spkiHash(certPem), notBefore, notAfter };
  } catch {
    // Missing, unreadable or corrupt: a new one replaces it.
    return null;
  }
}

/** Writes through a new file renamed into place, so a reader never sees half a file. */
function replaceFile(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  renameSync(temporary, path);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // `critical` is DEFAULT FALSE: DER leaves it out when false.
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** A random positive 128-bit serial number (RFC 5280 allows up to 20 octets). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  if (bytes.every((byte) => byte === 0)) bytes[15] = 1; // a serial number must be positive
  return bytes;
}

function toPem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
