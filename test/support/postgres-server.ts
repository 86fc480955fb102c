import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

import { exited, forget, freePort, track, waitUntil } from './processes.js';

import type { ChildProcess } from 'node:child_process';

/** A PostgreSQL server this test started, on a loopback port of its own, in a temporary folder. */
export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  url: string;
  /**
   * Crashes the server: an immediate shutdown (SIGQUIT to the postmaster, which ends every
   * backend without a checkpoint), then waits for it to exit. Committed data survives.
   */
  crash(): Promise<void>;
  /** Starts it again on the same port and data folder (crash recovery runs first). */
  start(): Promise<void>;
  /** Shuts the server down and removes its folder. */
  close(): Promise<void>;
}

const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/**
 * Where PostgreSQL's programs are: `LATCHKEY_TEST_POSTGRES_BIN`, else Debian's folder for
 * version 15. When initdb or postgres is missing, the fault tests are skipped with a message
 * locally and fail in CI (`CI=true`).
 */
export function findPostgresBinaries(): { bin: string } | { skip: string } {
  const bin = process.env.LATCHKEY_TEST_POSTGRES_BIN ?? DEFAULT_BIN;
  if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return { bin };
  const message = `PostgreSQL programs not found in ${bin} (set LATCHKEY_TEST_POSTGRES_BIN)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: fault tests skipped.` };
}

/**
 * Creates a cluster with initdb in a new temporary folder and starts it on a free port of
 * 127.0.0.1 (its Unix socket in that folder). PostgreSQL refuses to run as root, so as root
 * both run as the `postgres` user, through runuser, in a folder that user owns.
 */
export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args];
  let child: ChildProcess | undefined;
  let postmaster: number | undefined;

  const start = async (): Promise<void> => {
    const log = openSync(join(dir, 'postgres.log'), 'a');
    const [program, args] = command('postgres', [
      ...['-D', data, '-p', String(port), '-k', dir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=40'],
    ]);
    const started = spawn(program, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    child = started;
    await waitUntil(`PostgreSQL on port ${String(port)}`, () => accepts(port), { attempts: 150 });
    postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    track(postmaster, 'SIGQUIT');
  };
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (postmaster === undefined || child === undefined) return;
    process.kill(postmaster, signal);
    if (!(await exited(child, 15_000))) throw new Error(`PostgreSQL ignored ${signal}`);
    forget(postmaster);
    postmaster = undefined;
  };

  try {
    const [program, args] = command('initdb', [
      ...['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'],
      ...['--no-sync', '--no-instructions'],
    ]);
    await run(program, args, { timeout: 60_000 });
    await start();
  } catch (error) {
    await stop('SIGQUIT').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    crash: () => stop('SIGQUIT'),
    start,
    close: async () => {
      await stop('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether the server on `port` completes a connection and answers `SELECT 1`. */
async function accepts(port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    connectionTimeoutMillis: 1_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
