import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { exited, forget, freePort, isListening, track, waitUntil } from './processes.js';

import type { ChildProcess } from 'node:child_process';

/** A redis-server this test started, on a loopback port of its own, in a temporary folder. */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (its append-only file, if any, reloads). */
  start(): Promise<void>;
  /** Pauses the server (SIGSTOP): it keeps its connections but answers nothing. */
  freeze(): void;
  /** Resumes a frozen server (SIGCONT). */
  thaw(): void;
  /** Kills the server and removes its folder. */
  close(): Promise<void>;
}

const DEFAULT_BINARY = '/usr/bin/redis-server';

/**
 * Where redis-server is: `LATCHKEY_TEST_REDIS_SERVER`, else /usr/bin/redis-server. When it is
 * missing, the fault tests are skipped with a message locally and fail in CI (`CI=true`).
 */
export function findRedisServer(): { path: string } | { skip: string } {
  const path = process.env.LATCHKEY_TEST_REDIS_SERVER ?? DEFAULT_BINARY;
  if (existsSync(path)) return { path };
  const message = `redis-server not found at ${path} (set LATCHKEY_TEST_REDIS_SERVER)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: fault tests skipped.` };
}

/**
 * Starts redis-server on a free port of 127.0.0.1, with no RDB snapshots and (by default) an
 * append-only file fsynced at every write, so that data survives `kill` and `start`.
 */
export async function startPrivateRedis(
  binary: string,
  options: { appendOnly?: boolean; extraArgs?: readonly string[] } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-'));
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', options.appendOnly === false ? 'no' : 'yes'],
    ...['--appendfsync', 'always', '--logfile', join(dir, 'redis.log')],
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const started = spawn(binary, args, { stdio: 'ignore' });
    child = started;
    if (started.pid !== undefined) track(started.pid);
    started.once('exit', () => {
      if (started.pid !== undefined) forget(started.pid);
    });
    await waitUntil(`redis-server on port ${String(port)}`, () => isListening(port));
  };
  const signal = (name: NodeJS.Signals): void => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, name);
  };
  const kill = async (): Promise<void> => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGCONT');
    signal('SIGKILL');
    if (!(await exited(child))) throw new Error('redis-server did not exit after SIGKILL');
  };

  try {
    await start();
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${String(port)}`,
    kill,
    start,
    freeze: () => {
      signal('SIGSTOP');
    },
    thaw: () => {
      signal('SIGCONT');
    },
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
