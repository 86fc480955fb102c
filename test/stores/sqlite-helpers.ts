import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the system's temporary folder, and a way to remove it with its files. */
export function makeTempFolder(): { path: (name: string) => string; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-'));
  let count = 0;
  return {
    path: (name) => {
      count += 1;
      return join(folder, `${String(count)}-${name}`);
    },
    remove: () => {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** An `assert.throws`/`assert.rejects` validator: the error carries this stable `code`. */
export function withCode(code: string): (error: unknown) => boolean {
  return (error) =>
    typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
