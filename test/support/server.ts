import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveServerConfig } from '../../src/server/config.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';

import type { IncomingHttpHeaders } from 'node:http';
import type { SessionPolicy } from '../../src/session/index.js';

/** A Latchkey server on a free loopback port with its own temporary data folder. */
export interface TestServer {
  url: string;
  dataDir: string;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every log line, raw, to search for leaked secrets. */
  rawLog: () => string;
  close(): Promise<void>;
}

export async function startTestServer(
  options: {
    env?: Record<string, string>;
    clock?: () => number;
    session?: Partial<SessionPolicy>;
    /** How often expired sessions are swept; the server also sweeps once as it starts. */
    sweepIntervalMs?: number;
    /** Runs on the empty data folder before the server starts (to seed its database). */
    beforeStart?: (dataDir: string) => Promise<void>;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  const lines: string[] = [];
  let server;
  try {
    await options.beforeStart?.(dataDir);
    const config = resolveServerConfig({
      flags: { port: '0', host: '127.0.0.1', 'data-dir': dataDir },
      env: options.env ?? {},
    });
    server = await startServer(config, {
      logger: createJsonLogger({ write: (line) => lines.push(line) }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.session === undefined ? {} : { session: options.session }),
      ...(options.sweepIntervalMs === undefined
        ? {}
        : { sweepIntervalMs: options.sweepIntervalMs }),
    });
  } catch (error) {
    // A server that refused to start (the tests of bad options) leaves no data folder behind.
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: server.url,
    dataDir,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLog: () => lines.join(''),
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A response, with its body parsed when it is JSON. */
export interface TestResponse {
  status: number;
  headers: Headers;
  setCookies: string[];
  body: unknown;
  text: string;
}

/** Sends one request with fetch; `json` or `form` set the body and its Content-Type. */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    json?: unknown;
    form?: Record<string, string>;
    /** A string gets `text/plain` from fetch; bytes go without a Content-Type. */
    body?: string | Uint8Array;
    cookie?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<TestResponse> {
  const headers = new Headers(options.headers);
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(options.form).toString();
  }
  if (options.cookie !== undefined) headers.set('cookie', options.cookie);
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    ...(body === undefined ? {} : { body: body as BodyInit }),
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = null;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
    parsed = JSON.parse(text);
  }
  return {
    status: response.status,
    headers: response.headers,
    setCookies: response.headers.getSetCookie(),
    body: parsed,
    text,
  };
}

/** The `name=value` pair of a Set-Cookie line, ready for a Cookie header. */
export function cookiePair(setCookie: string | undefined): string {
  if (setCookie === undefined) throw new Error('expected a Set-Cookie header');
  return setCookie.split(';', 1)[0] ?? '';
}

/** The stable error code of a JSON error body. */
export function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: { code?: unknown } }).error;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * A request through node:http, for what fetch will not send as given: a `Host` of the test's
 * choosing, `Sec-Fetch-Mode`, a HEAD whose empty body is not parsed.
 */
export function sendRaw(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
