import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/**
 * The shared test corpora (cookie cases written by others), read in place and never copied
 * into the package: `$LATCHKEY_CORPORA`, else `../shared/corpora` beside the checkout, else
 * `/work/shared/corpora`. Returns a skip message when none is there: the corpora live outside
 * the repository, so a checkout elsewhere may not have them.
 */
export function findCorpus(relative: string): { path: string } | { skip: string } {
  const candidates = [
    process.env.LATCHKEY_CORPORA,
    join(root, '..', 'shared', 'corpora'),
    '/work/shared/corpora',
  ].filter((candidate): candidate is string => candidate !== undefined && candidate !== '');
  for (const base of candidates) {
    const path = join(base, relative);
    if (existsSync(path)) return { path };
  }
  return {
    skip: `corpus ${relative} not found (set LATCHKEY_CORPORA to the corpora folder): skipped`,
  };
}
