import { createHmac } from 'node:crypto';

import { ConfigError } from '../errors.js';
import { constantTimeEqual } from './hash.js';

/**
 * The shortest secret accepted: 32 bytes, the output size of HMAC-SHA-256's hash, below which
 * the key is the weakest part of the MAC (RFC 2104 section 3).
 */
export const MIN_SECRET_BYTES = 32;

/**
 * Secrets for signing, with rotation: the first signs, every one verifies. To rotate, put the
 * new secret first and keep the old one until everything it signed has expired; nobody is
 * logged out.
 */
export class KeyRing {
  readonly #secrets: readonly Buffer[];

  /** Throws `ConfigError` (option `option`) for an empty list or a secret under 32 bytes. */
  constructor(secrets: readonly (string | Uint8Array)[], option = 'secrets') {
    // Checked as untyped input too: JavaScript callers leave it out, or pass a single string.
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new ConfigError(
        option,
        'needs a list of at least one secret' +
          `${Array.isArray(secrets) ? '' : ` (got ${typeof secrets})`}; ` +
          'generate one with `openssl rand -base64 48`',
      );
    }
    this.#secrets = secrets.map((secret: unknown, index) => {
      if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
        throw new ConfigError(
          option,
          `secret number ${index + 1} is ${secret === undefined ? 'missing' : 'not a string'}` +
            ' (an unset environment variable?); give each secret as a string of at least 32 bytes',
        );
      }
      const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new ConfigError(
          option,
          `secret number ${index + 1} is ${bytes.length} bytes; each must be at least ` +
            `${MIN_SECRET_BYTES} bytes. Generate one with \`openssl rand -base64 48\``,
        );
      }
      return bytes;
    });
  }

  /** HMAC-SHA-256 of `message` under the current (first) secret, as base64url. */
  sign(message: string): string {
    return mac(this.#first(), message);
  }

  /** Whether `signature` is the HMAC of `message` under any secret, compared in constant time. */
  verify(message: string, signature: string): boolean {
    let valid = false;
    // Every secret is tried, even after a match, so the time taken does not say which one
    // (and so whether the signer has rotated).
    for (const secret of this.#secrets) {
      if (constantTimeEqual(mac(secret, message), signature)) valid = true;
    }
    return valid;
  }

  #first(): Buffer {
    const first = this.#secrets[0];
    if (first === undefined) throw new Error('latchkey: key ring is empty');
    return first;
  }
}

function mac(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64url');
}
