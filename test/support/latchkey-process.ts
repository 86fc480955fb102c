import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { exited, forget, track } from './processes.js';

/** A `latchkey serve` process this test started, on a free loopback port. */
export interface LatchkeyProcess {
  /** `http://127.0.0.1:<port>`, as the process announced it. */
  url: string;
  pid: number;
  /** Whether the process is still running (it never restarts by itself). */
  running(): boolean;
  /** Every line it wrote to standard output (its JSON log), so far. */
  logLines(): string[];
  /** SIGTERM, then SIGKILL after 10 s; removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');

/** How long the process may take to start (tsx compiles on the fly): 30 s. */
const START_TIMEOUT_MS = 30_000;

/** One signing secret (32 bytes or more, no comma: the variable is a list) for every server. */
export const SHARED_TEST_SECRETS = 'multi-server test secret of at least thirty-two bytes';

/**
 * Spawns `latchkey serve --port 0 --data-dir <new tmp folder> --store <store>` with Node and
 * tsx, and waits for its "Latchkey is listening on ..." line on standard error. The process
 * sees none of this process's `LATCHKEY_*` variables, only `LATCHKEY_SECRETS` and `env`.
 */
export async function startLatchkeyProcess(options: {
  store: string;
  env?: Record<string, string>;
}): Promise<LatchkeyProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-serve-'));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')),
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'serve', '--port', '0', '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: {
        ...inherited,
        LATCHKEY_STORE: options.store,
        LATCHKEY_SECRETS: SHARED_TEST_SECRETS,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('latchkey serve did not start');
  track(pid);
  child.once('exit', () => {
    forget(pid);
  });

  // Kept whole: the load tests send a few thousand requests at most, one line each.
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await exited(child, 10_000))) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`latchkey serve did not start in time; stderr: ${stderr}`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`latchkey serve exited (${String(code ?? signal)}): ${stderr}`));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /Latchkey is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    return {
      url,
      pid,
      running: () => child.exitCode === null && child.signalCode === null,
      logLines: () => [...lines],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
