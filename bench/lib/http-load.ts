import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { quantile } from './stats.js';
import { loadGenerator, loadWithWrk } from './wrk-load.js';

import type { ChildProcess } from 'node:child_process';

/** One load run's outcome. */
export interface LoadResult {
  /** Successful (2xx) requests per second over the run. */
  requestsPerSecond: number;
  /** Latency percentiles, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** The slowest request of the run, in milliseconds: the longest stall a client saw. */
  maxMs: number;
  /** Answers that were not 2xx, and connection errors: a benchmark with any is void. */
  failures: number;
  /** Answers by status code (`{"200": 1234, "401": 5}`), for loads that expect refusals. */
  statusCounts: Record<string, number>;
  /** Of the failures: connections that failed, and requests not answered in time. */
  connectionErrors: number;
  timeouts: number;
}

/** What one request of a varying load carries, over {@link LoadOptions} `headers` and `body`. */
export interface RequestVariation {
  headers?: Record<string, string>;
  body?: string;
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
  /**
   * Requests per second across all connections, for a steady load whose latency is the
   * server's and not a queue the load built itself. Default: as many as the server answers.
   *
   * autocannon spreads it over the connections, and each connection sends its share of a second
   * back to back from the start of that second, one request at a time, then waits for the next:
   * a rate, not an even spacing. Latencies are recorded as measured: autocannon's correction for
   * coordinated omission would assume one request every `ceil(1 / rate)` ms (always 1 ms) and add
   * made-up samples for every response slower than that, so it is turned off.
   */
  overallRate?: number;
  /**
   * Called before every request for what that request carries (another session cookie,
   * another login): the load then varies instead of repeating one request.
   */
  nextRequest?: () => RequestVariation;
  /** Ends the run early; the result covers the time run so far. */
  signal?: AbortSignal;
  /**
   * Latencies to the microsecond instead of autocannon's whole milliseconds, for loads whose
   * requests take about a millisecond (a p99 of "1" is anything from 1 to 2 ms there). Each 2xx
   * answer's time, as autocannon measured it, is kept and the percentiles are taken from them
   * (autocannon's own count every answer; a load with any other is void anyway). A run with no
   * 2xx answer at all throws instead of reporting no latency. It costs the load generator a
   * little for every answer: for steady-rate loads, not for throughput runs. Default: false.
   */
  preciseLatency?: boolean;
}

/**
 * Drives one URL on loopback with autocannon (or wrk, see `loadGenerator`) for a fixed time and
 * reports requests per second (2xx only) and latency.
 */
export async function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  if (loadGenerator() === 'wrk' && options.overallRate === undefined) {
    return loadWithWrk(url, options);
  }
  const { nextRequest } = options;
  const path = new URL(url).pathname;
  const settings: autocannon.Options = {
    url,
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? 5,
    method: options.method ?? 'GET',
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.overallRate === undefined
      ? {}
      : { overallRate: options.overallRate, ignoreCoordinatedOmission: true }),
    ...(nextRequest === undefined
      ? {}
      : {
          requests: [
            {
              path,
              setupRequest: (request) => {
                const next = nextRequest();
                return {
                  ...request,
                  headers: { ...request.headers, ...next.headers },
                  ...(next.body === undefined ? {} : { body: next.body }),
                };
              },
            },
          ],
        }),
  };
  // Milliseconds, fractional: autocannon's own histogram keeps whole ones.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings, (error: unknown, finished) => {
      options.signal?.removeEventListener('abort', stop);
      if (error === null || error === undefined) resolve(finished);
      else
        reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
    });
    const stop = (): void => {
      instance.stop();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.preciseLatency === true) {
      instance.on('response', (_client, statusCode: number, _bytes, responseTime: number) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
  if (options.preciseLatency === true && latencies.length === 0) {
    throw new Error(`${url}: no 2xx answer in ${String(result.duration)} s, no latency to report`);
  }
  const durationSeconds = result.duration;
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = stats.count ?? 0;
  }
  return {
    requestsPerSecond: result['2xx'] / durationSeconds,
    ...(options.preciseLatency === true
      ? {
          p50Ms: quantile(latencies, 0.5),
          p99Ms: quantile(latencies, 0.99),
          maxMs: quantile(latencies, 1),
        }
      : { p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max }),
    failures: result.non2xx + result.errors + result.timeouts,
    statusCounts,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
  };
}

/** A server under test, in a process of its own so that it does not share the load's CPU time. */
export interface Target {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Options for {@link startTarget}. */
export interface StartTargetOptions {
  /** How long the server has to print its line. Unit: milliseconds. Default: 60,000. */
  timeoutMs?: number;
  /** Opens a Node IPC channel to the process (`process.send`), for a probe. Default: false. */
  ipc?: boolean;
}

/**
 * Starts a server process and waits for it to print `listening on http://...` (on stdout or
 * stderr). Its output goes to a file, as a production server's log would: the load generator
 * in this process then spends nothing on reading what the servers print. The file is removed
 * when the target stops.
 */
export function startTarget(
  name: string,
  command: readonly string[],
  env: Record<string, string> = {},
  options: StartTargetOptions = {},
): Promise<Target> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [program = process.execPath, ...args] = command;
  const logDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-log-'));
  const logPath = join(logDir, 'output.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(program, args, {
    env: { ...process.env, ...env },
    stdio: options.ipc === true ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    rmSync(logDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const head = (): string => readHead(logPath, 100_000);
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/[^\s)]+)/i.exec(head());
      if (match?.[1] !== undefined) {
        finish();
        resolve({ name, url: match[1], process: child, stop });
      } else if (Date.now() - started > timeoutMs) {
        finish();
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${head().slice(-2000)}`));
      }
    }, 25);
    const onExit = (code: number | null): void => {
      finish();
      reject(new Error(`${name} exited with ${code ?? 'a signal'}:\n${head().slice(-2000)}`));
      rmSync(logDir, { recursive: true, force: true });
    };
    const finish = (): void => {
      clearInterval(poll);
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
  });
}

/** The first `limit` bytes of a file, as text. */
function readHead(path: string, limit: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    const length = readSync(fd, buffer, 0, limit, 0);
    return buffer.subarray(0, length).toString();
  } finally {
    closeSync(fd);
  }
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
