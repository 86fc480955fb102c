import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { exited, forget, isListening, track, waitUntil } from './processes.js';

/** A reverse proxy guarding an application with Latchkey's forward authentication. */
export interface GuardingProxy {
  url: string;
  /** The proxy's own error output so far, for a failed assertion's message. */
  errorLog(): string;
  close(): Promise<void>;
}

/**
 * Where a proxy's binary is: the path in `variable`, else the first of `candidates` that exists.
 * When none is found, the test is skipped with a message on a developer's machine, and fails in
 * CI (`CI=true`).
 */
export function findProxy(
  name: string,
  variable: string,
  candidates: readonly string[],
): { path: string } | { skip: string } {
  const path = process.env[variable] ?? candidates.find((candidate) => existsSync(candidate));
  if (path !== undefined && existsSync(path)) return { path };
  const message = `${name} not found (set ${variable} or install Debian's "${name}" package)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: proxy test skipped.` };
}

/**
 * Runs a proxy in the foreground until it listens on `port` (loopback), its files in `dir`, which
 * is removed when it closes. `logFile` is a log it writes in `dir`, shown with its stderr.
 */
export async function startProxy(options: {
  name: string;
  command: string;
  args: readonly string[];
  dir: string;
  port: number;
  logFile?: string;
  env?: Record<string, string>;
  /** What asks it to stop: nginx finishes its requests on SIGQUIT, Caddy on SIGTERM. */
  stopSignal: NodeJS.Signals;
}): Promise<GuardingProxy> {
  const { name, dir, port } = options;
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  if (child.pid !== undefined) track(child.pid, 'SIGTERM');
  const errorLog = (): string => {
    const file = options.logFile === undefined ? null : join(dir, options.logFile);
    return stderr + (file !== null && existsSync(file) ? readFileSync(file, 'utf8') : '');
  };
  try {
    await waitUntil(`${name} to listen`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${errorLog()}`);
      return isListening(port);
    });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${String(port)}`,
    errorLog,
    close: async () => {
      child.kill(options.stopSignal);
      if (!(await exited(child, 5_000))) child.kill('SIGKILL');
      if (child.pid !== undefined) forget(child.pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
