import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder for a test's certificate files or data. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
}

/** The hash Chromium pins, computed another way: from Node's own export of the public key. */
export function independentSpkiHash(certPem: string): string {
  return createHash('sha256')
    .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}
