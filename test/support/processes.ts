import { createServer, connect } from 'node:net';

import type { ChildProcess } from 'node:child_process';

/** A TCP port on 127.0.0.1 that nothing listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (one attempt, 500 ms). */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

/**
 * Calls `check` every `intervalMs` until it returns true, at most `attempts` times; throws
 * `what` when it never does. Every wait in the test servers is bounded this way.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  { attempts = 100, intervalMs = 100 } = {},
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Resolves when `child` has exited (at once if it already has), or after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs = 10_000): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// Processes the helpers started and have not seen exit, with the signal that ends each: sent
// if the test process exits early (a failed assertion, an uncaught error), so that no server
// outlives its test file.
const running = new Map<number, NodeJS.Signals>();
process.on('exit', () => {
  for (const [pid, signal] of running) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
});

/** Remembers `pid` for the exit hook, to be ended with `signal`, until `forget` is called. */
export function track(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  running.set(pid, signal);
}

/** Forgets `pid` (it exited). */
export function forget(pid: number): void {
  running.delete(pid);
}
