import { getRequestListener } from '@hono/node-server';

import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { TEST_SECRET, listen } from './auth-route-parity.js';

import type { Latchkey, LatchkeyOptions } from '../../src/http/latchkey.js';
import type { LogFields } from '../../src/log.js';
import type { Listening } from './auth-route-parity.js';

/** The origin the in-process Fetch, Hono and Next.js tests pretend to be served from. */
export const ORIGIN = 'http://app.test';
export const PASSWORD = 'correct horse battery staple';

/** Headers of a cross-site request, as a browser sends them. */
export const CROSS_SITE = { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' };

/** A Latchkey instance on memory stores, and the events it logged. */
export function testLatchkey(options: Partial<LatchkeyOptions> = {}): {
  latchkey: Latchkey;
  events: { event: string; fields: LogFields }[];
} {
  const events: { event: string; fields: LogFields }[] = [];
  const latchkey = createLatchkey({
    sessionStore: new MemorySessionStore(),
    userStore: new MemoryUserStore(),
    secrets: [TEST_SECRET],
    logger: {
      log: (_level, event, fields = {}) => {
        events.push({ event, fields });
      },
    },
    ...options,
  });
  return { latchkey, events };
}

/** A Web `Request` to ORIGIN; `json` and `form` set the body and its Content-Type. */
export function webRequest(
  method: string,
  path: string,
  options: {
    json?: unknown;
    form?: Record<string, string>;
    body?: string;
    cookie?: string;
    headers?: Record<string, string>;
  } = {},
): Request {
  const headers = new Headers(options.headers);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(options.form).toString();
  }
  if (options.cookie !== undefined) headers.set('cookie', options.cookie);
  return new Request(new URL(path, ORIGIN), {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** What the tests read of a `Response`: status, headers, each Set-Cookie, the JSON body. */
export interface ReadResponse {
  status: number;
  headers: Headers;
  setCookies: string[];
  body: unknown;
}

export async function readResponse(response: Response): Promise<ReadResponse> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  return {
    status: response.status,
    headers: response.headers,
    setCookies: response.headers.getSetCookie(),
    body: json ? JSON.parse(text) : text,
  };
}

/** The `name=value` pair of the session cookie a response sets, for a Cookie header. */
export function sessionCookie(response: ReadResponse): string {
  const line = response.setCookies.find((candidate) => candidate.startsWith('__Host-auth_token='));
  if (line === undefined) throw new Error('expected the session cookie to be set');
  return line.split(';', 1)[0] ?? '';
}

/** A Fetch handler served over HTTP on a free loopback port by @hono/node-server. */
export function listenFetch(handler: Parameters<typeof getRequestListener>[0]): Promise<Listening> {
  const listener = getRequestListener(handler);
  return listen((req, res) => {
    void listener(req, res);
  });
}
