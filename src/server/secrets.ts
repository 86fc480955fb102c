import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError } from '../errors.js';

/** File name, inside the data folder, of the generated signing secret. */
export const SECRETS_FILE = 'secrets';

/**
 * The signing secrets kept in the data folder: read them, or on first start generate one
 * (48 random bytes, base64url) and write it readable by its owner only. Several servers
 * sharing a store must be given the same secrets instead (`LATCHKEY_SECRETS`).
 */
export function loadOrCreateSecrets(dataDir: string): { secrets: string[]; created: boolean } {
  const path = join(dataDir, SECRETS_FILE);
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== null) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    if (lines.length === 0) {
      throw new ConfigError(
        `the secrets file ${path}`,
        'is empty; delete it to have a new secret generated, or write one secret per line',
      );
    }
    // It signs CSRF tokens and device cookies: nobody else may read it, whatever made it.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { secrets: lines, created: false };
  }
  const secret = randomBytes(48).toString('base64url');
  // `wx`: never overwrite a file another process wrote in the meantime.
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secrets: [secret], created: true };
}
