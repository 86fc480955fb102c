import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import type { CliIo } from '../../src/cli/io.js';

/** The CLI's entry point, run from source with tsx. */
export const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.ts');

/** Runs `latchkey <args>` in a process of its own, with `input` on standard input. */
export function latchkey(
  args: string[],
  input?: string,
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * {@link latchkey} without blocking the test's own event loop (for a command that waits on
 * something the test does meanwhile).
 */
export function latchkeyAsync(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', BIN, ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error === null) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        else reject(new Error(`latchkey ${args.join(' ')} did not run`, { cause: error }));
      },
    );
  });
}

/** Streams for opening the data folder in the test's own process; nothing is read or shown. */
export function cliIo(): CliIo {
  return {
    out: () => undefined,
    err: () => undefined,
    readSecret: () => Promise.reject(new Error('no secret to read here')),
    env: {},
  };
}
