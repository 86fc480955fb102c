import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { startTarget } from './http-load.js';

import type { ChildProcess } from 'node:child_process';
import type { Target } from './http-load.js';
import type { LoopReport, SweepReport } from '../targets/latchkey-probe.js';

export type { LoopReport, SweepReport } from '../targets/latchkey-probe.js';

/** Latchkey's server with the probe beside it (bench/targets/latchkey-probe.ts). */
export interface ProbedServer {
  target: Target;
  /** Starts a new record of the server's event-loop delay. */
  resetLoop(): Promise<void>;
  /** The server's event-loop delay since the last reset, and its memory. */
  reportLoop(): Promise<LoopReport>;
  /** Runs SessionManager.deleteExpiredSessions in the server's process; see the probe. */
  sweep(options: {
    batchSize?: number;
    maxBatches?: number;
    untilEmpty?: boolean;
  }): Promise<SweepReport>;
}

/**
 * Starts the probed server on the SQLite database in `dataDir` (`latchkey.db`, created if
 * need be), on a free port of 127.0.0.1; `env` adds to the LATCHKEY_* settings.
 */
export async function startProbedServer(
  root: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ProbedServer> {
  const target = await startTarget(
    'Latchkey server (probed)',
    [
      process.execPath,
      ...serverNodeArgs(),
      '--import',
      'tsx',
      join(root, 'bench', 'targets', 'latchkey-probe.ts'),
    ],
    {
      NODE_ENV: 'production',
      LATCHKEY_PORT: '0',
      LATCHKEY_DATA_DIR: dataDir,
      ...env,
    },
    { ipc: true },
  );
  const ask = requester(target.process);
  return {
    target,
    resetLoop: async () => {
      await ask({ type: 'loop-reset' });
    },
    reportLoop: () => ask({ type: 'loop-report' }) as Promise<LoopReport>,
    sweep: (options) => ask({ type: 'sweep', ...options }) as Promise<SweepReport>,
  };
}

/**
 * Starts `latchkey serve` from the built tree at `root` (its dist/), as users run it: in
 * production mode, on a free port of 127.0.0.1, with its data in `dataDir`
 * (BENCH_SERVER_NODE_ARGS apply, see {@link serverNodeArgs}).
 */
export function startLatchkeyServe(name: string, root: string, dataDir: string): Promise<Target> {
  return startTarget(
    name,
    [
      process.execPath,
      ...serverNodeArgs(),
      join(root, 'dist', 'cli', 'bin.js'),
      'serve',
      '--port',
      '0',
    ],
    { NODE_ENV: 'production', LATCHKEY_DATA_DIR: dataDir },
  );
}

/**
 * Brings the SQLite file in `dataDir` to the schema of the tree at `root`, with that tree's own
 * `latchkey migrate`, and returns what it printed. A tree's server migrates at start too, but
 * a large file's migration would then count toward the server's start and peak memory.
 */
export function migrateLatchkeyData(root: string, dataDir: string): string {
  return execFileSync(process.execPath, [join(root, 'dist', 'cli', 'bin.js'), 'migrate'], {
    env: { ...process.env, NODE_ENV: 'production', LATCHKEY_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
}

/**
 * Node options for the server under test only, from `BENCH_SERVER_NODE_ARGS` (split on spaces),
 * for a profile of the server alone: `--cpu-prof --cpu-prof-dir=/tmp/profiles`. Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS.
 */
export function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

interface Reply {
  id: number;
  ok: boolean;
  body?: unknown;
  error?: string;
}

function requester(child: ChildProcess): (message: Record<string, unknown>) => Promise<unknown> {
  let next = 0;
  const waiting = new Map<
    number,
    { resolve: (body: unknown) => void; reject: (e: Error) => void }
  >();
  child.on('message', (reply: Reply) => {
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    if (reply.ok) entry.resolve(reply.body);
    else entry.reject(new Error(`probe: ${reply.error ?? 'failed'}`));
  });
  child.once('exit', () => {
    for (const entry of waiting.values()) entry.reject(new Error('probe: the server exited'));
    waiting.clear();
  });
  return (message) =>
    new Promise((resolve, reject) => {
      next += 1;
      waiting.set(next, { resolve, reject });
      child.send({ ...message, id: next });
    });
}
