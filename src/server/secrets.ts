import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name, inside the data folder, of the generated signing secret. */
export const SECRETS_FILE = 'secrets';

/**
 * The signing secrets kept in the data folder: read them, or on first start generate one
 * (48 random bytes, base64url) and write it readable by its owner only. Several servers
 * sharing a store must be given the same secrets instead (`LATCHKEY_SECRETS`).
 */
export function loadOrCreateSecrets(dataDir: string): { secrets: string[]; created: boolean } {
  const path = join(dataDir, SECRETS_FILE);
  try {
    const lines = readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '');
    if (lines.length > 0) return { secrets: lines, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(48).toString('base64url');
  // `wx`: never overwrite a file another process wrote in the meantime.
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secrets: [secret], created: true };
}
