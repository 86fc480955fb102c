import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results/, which git ignores: results belong to one machine and one run. */
export const RESULTS_DIR = join(fileURLToPath(import.meta.url), '..', '..', 'results');

/** Writes `data` as bench/results/<name>.json and returns the path. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
