import { randomBytes } from 'node:crypto';

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every target of the field benchmark answers on `GET /api/secure-data` for a logged-in
 * user: the same shape as Latchkey's own route (src/server/app.ts), dates as ISO strings.
 */
export interface SecureDataAnswer {
  message: string;
  user: { id: string; email: string; createdAt: string };
  session: { expiresAt: string };
}

/** The user a stand-in login creates: the same id length and email form as Latchkey's. */
export interface BenchUser {
  id: string;
  email: string;
  createdAt: string;
}

/** The 200 answer, built the same way by every target. */
export function secureDataAnswer(user: BenchUser, expiresAt: Date | string): SecureDataAnswer {
  return {
    message: 'This is protected data.',
    user: { id: user.id, email: user.email, createdAt: user.createdAt },
    session: { expiresAt: typeof expiresAt === 'string' ? expiresAt : expiresAt.toISOString() },
  };
}

/** The 401 answer, with the same code Latchkey uses. */
export const UNAUTHENTICATED_ANSWER = {
  error: { code: 'UNAUTHENTICATED', message: 'Log in first: there is no live session.' },
};

/** A user for the targets whose login is a stand-in: a 26-character id, as Latchkey's. */
export function newBenchUser(email: string): BenchUser {
  return {
    id: randomBytes(13).toString('hex'),
    email,
    createdAt: new Date().toISOString(),
  };
}

/** Writes a JSON answer that no shared cache may keep, as every target does. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a small JSON request body (at most 16 KiB); null when it is not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) return null;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** The `email` field of a login body, or null. */
export function emailOf(body: unknown): string | null {
  const email = (body as { email?: unknown } | null)?.email;
  return typeof email === 'string' && email.length > 0 ? email : null;
}

/** Options for {@link listenOnLoopback}. */
export interface ListenOptions {
  /**
   * Runs once the port is known and before the line the benchmark waits for is printed: for a
   * target whose configuration needs its own URL. Requests arriving before it ends are the
   * server's to refuse.
   */
  prepare?: (port: number) => Promise<void>;
  /** Runs after the server has stopped on SIGTERM: close a database or a client. */
  onClose?: () => unknown;
}

/**
 * Listens on 127.0.0.1 (port `PORT`, default any free one), prints the line the benchmark
 * waits for (`listening on http://127.0.0.1:PORT`), and closes on SIGTERM.
 */
export function listenOnLoopback(server: Server, options: ListenOptions = {}): void {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    const ready = options.prepare?.(port) ?? Promise.resolve();
    ready.then(
      () => process.stdout.write(`listening on http://127.0.0.1:${port}\n`),
      (error: unknown) => {
        process.stderr.write(`could not start: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.once('SIGTERM', () => {
    server.close(() => void options.onClose?.());
    server.closeAllConnections();
  });
}
