import assert from 'node:assert/strict';

import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { inProcessRequest } from './http-request.js';
import { PASSWORD } from './users.js';

import type { Latchkey } from '../../src/http/latchkey.js';
import type { HttpRequest } from '../../src/http/types.js';

// Account routes driven in-process, on stores a test can reach into between the steps of a
// request (to make a race happen at one exact point).

/** The signing secret of the in-process Latchkeys. */
export const SECRET = 'a secret that is at least thirty-two bytes long';

/**
 * A same-origin JSON POST to `path`, with the session cookie when given, from `clientAddress`
 * (default `192.0.2.1`).
 */
export function jsonPost(
  path: string,
  body: unknown,
  cookie?: string,
  clientAddress?: string,
): HttpRequest {
  return inProcessRequest('POST', path, {
    headers: {
      'content-type': 'application/json',
      'sec-fetch-site': 'same-origin',
      ...(cookie === undefined ? {} : { cookie }),
    },
    body: JSON.stringify(body),
    ...(clientAddress === undefined ? {} : { clientAddress }),
  });
}

/** Registers `email` (with {@link PASSWORD}) and returns its session's `name=value` pair. */
export async function registerIn(latchkey: Latchkey, email: string): Promise<string> {
  const response = await latchkey.handleAuthRoute(
    jsonPost('/auth/register', { email, password: PASSWORD }),
  );
  assert.equal(response?.status, 201);
  const cookie = response.headers.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0];
  assert.ok(cookie);
  return cookie;
}

/** A Latchkey on memory stores with one user, registered and logged in. */
export async function oneUser(email: string): Promise<{
  sessionStore: MemorySessionStore;
  userStore: MemoryUserStore;
  latchkey: Latchkey;
  cookie: string;
}> {
  const sessionStore = new MemorySessionStore();
  const userStore = new MemoryUserStore();
  const latchkey = createLatchkey({ sessionStore, userStore, secrets: [SECRET] });
  return { sessionStore, userStore, latchkey, cookie: await registerIn(latchkey, email) };
}

/**
 * A user registered while registration was on, and a Latchkey on the same stores with it turned
 * off (accounts made by an administrator from then on).
 */
export async function registrationTurnedOff(email: string): Promise<{
  userStore: MemoryUserStore;
  closed: Latchkey;
  cookie: string;
}> {
  const sessionStore = new MemorySessionStore();
  const userStore = new MemoryUserStore();
  const open = createLatchkey({ sessionStore, userStore, secrets: [SECRET] });
  const cookie = await registerIn(open, email);
  const closed = createLatchkey({
    sessionStore,
    userStore,
    secrets: [SECRET],
    registration: false,
  });
  return { userStore, closed, cookie };
}
