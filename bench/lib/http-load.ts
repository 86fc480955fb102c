import { spawn } from 'node:child_process';

import autocannon from 'autocannon';

import type { ChildProcess } from 'node:child_process';

/** One load run's outcome. */
export interface LoadResult {
  /** Successful (2xx) requests per second over the run. */
  requestsPerSecond: number;
  /** Latency percentiles, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, and connection errors: a benchmark with any is void. */
  failures: number;
}

/** Options for {@link load}. */
export interface LoadOptions {
  /** Concurrent connections. Default: 50. */
  connections?: number;
  /** How long the run lasts. Unit: seconds. Default: 5. */
  durationSeconds?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Drives one URL on loopback with autocannon for a fixed time and reports requests per second
 * (2xx only) and latency.
 */
export async function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? 5,
    method: options.method ?? 'GET',
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const durationSeconds = result.duration;
  return {
    requestsPerSecond: result['2xx'] / durationSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** A server under test, in a process of its own so that it does not share the load's CPU time. */
export interface Target {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server process and waits for it to print `listening on http://...` (on stdout or
 * stderr); everything else it prints is discarded, as a production log would be shipped away.
 */
export function startTarget(
  name: string,
  command: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Target> {
  const [program = process.execPath, ...args] = command;
  const child = spawn(program, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${seen.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (seen.length < 100_000) seen += chunk.toString();
      const match = /listening on (http:\/\/[^\s)]+)/i.exec(seen);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({ name, url: match[1], process: child, stop: () => stopProcess(child) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code ?? 'a signal'}:\n${seen.slice(-2000)}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
