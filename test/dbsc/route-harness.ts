// The DBSC routes driven in process, as a browser would: requests over HTTPS to a Latchkey
// with DBSC on and a clock the test moves, and the protocol's headers read back.
import assert from 'node:assert/strict';

import { generateKeyPair, SignJWT } from 'jose';

import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';
import { makeKey, signProof } from './proof-signer.js';

import type { HttpRequest, HttpResponse } from '../../src/http/types.js';
import type { Latchkey } from '../../src/http/latchkey.js';
import type { TestKey } from './proof-signer.js';

export const SECRET = 'a secret that is at least thirty-two bytes long';
export const ORIGIN = 'https://localhost:3443';
export const PASSWORD = 'correct horse battery staple';

export function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
  protocol: 'http' | 'https' = 'https',
): HttpRequest {
  const lower: Record<string, string> = {
    host: 'localhost:3443',
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  };
  return {
    method,
    path,
    clientAddress: '192.0.2.1',
    protocol,
    header: (name) => lower[name],
    readBody: () => Promise.resolve(new TextEncoder().encode(body)),
  };
}

export function header(response: HttpResponse | null, name: string): string | undefined {
  return response?.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

export function setCookies(response: HttpResponse | null): string[] {
  return (response?.headers ?? []).filter(([key]) => key === 'Set-Cookie').map(([, v]) => v);
}

export function pair(response: HttpResponse | null, name: string): string {
  const line = setCookies(response).find((value) => value.startsWith(`${name}=`));
  assert.ok(line, `no ${name} cookie`);
  return line.split(';')[0] ?? '';
}

/** `(ES256 RS256);path="...";challenge="...";authorization="..."` into its parameters. */
export function readOffer(value: string | undefined): {
  path: string;
  challenge: string;
  authorization: string;
} {
  assert.ok(value, 'no Secure-Session-Registration header');
  assert.match(value, /^\(ES256 RS256\);/);
  const params = new Map(
    [...value.matchAll(/;([a-z_]+)="([^"\\]*)"/g)].map((match) => [match[1], match[2] ?? '']),
  );
  const read = (name: string): string => {
    const found = params.get(name);
    assert.ok(found !== undefined, `no ${name} parameter`);
    return found;
  };
  return { path: read('path'), challenge: read('challenge'), authorization: read('authorization') };
}

/** The challenge of a `Secure-Session-Challenge` header. */
export function challengeOf(response: HttpResponse | null): string {
  const found = /^"([^"]+)";id="[^"]+"$/.exec(header(response, 'Secure-Session-Challenge') ?? '');
  assert.ok(found?.[1] !== undefined, 'no challenge');
  return found[1];
}

export interface World {
  latchkey: Latchkey;
  clock: ManualClock;
  store: MemorySessionStore;
}

export function world(options: { lifetime?: number } = {}): World {
  const clock = new ManualClock(Date.now());
  const store = new MemorySessionStore();
  const latchkey = createLatchkey({
    sessionStore: store,
    userStore: new MemoryUserStore(),
    secrets: [SECRET],
    clock: clock.now,
    dbsc: { enabled: true, cookieLifetimeSeconds: options.lifetime ?? 600 },
  });
  return { latchkey, clock, store };
}

/** A well-formed proof in an algorithm DBSC does not allow (ES384). */
export async function es384Proof(claims: Record<string, string | undefined>): Promise<string> {
  const { privateKey } = await generateKeyPair('ES384');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES384', typ: 'dbsc+jwt' }).sign(privateKey);
}

let counter = 0;

/** The email of the latest user `registerUser` made. */
export function latestEmail(): string {
  return `user${counter}@example.com`;
}
export async function registerUser(w: World, protocol: 'http' | 'https' = 'https') {
  counter += 1;
  const response = await w.latchkey.handleAuthRoute(
    request(
      'POST',
      '/auth/register',
      { 'content-type': 'application/json' },
      JSON.stringify({ email: `user${counter}@example.com`, password: PASSWORD }),
      protocol,
    ),
  );
  assert.equal(response?.status, 201);
  const session = pair(response, '__Host-auth_token');
  return { response, session, offer: header(response, 'Secure-Session-Registration') };
}

export async function register(w: World, cookie: string, jwt: string | undefined) {
  return w.latchkey.handleAuthRoute(
    request('POST', '/auth/dbsc/register', {
      cookie,
      ...(jwt === undefined ? {} : { 'secure-session-response': jwt }),
    }),
  );
}

export async function refresh(w: World, cookie: string, id: string, jwt?: string) {
  return w.latchkey.handleAuthRoute(
    request('POST', '/auth/dbsc/refresh', {
      cookie,
      'sec-secure-session-id': id,
      ...(jwt === undefined ? {} : { 'secure-session-response': jwt }),
    }),
  );
}

/** Logs in, registers a key, and returns what the browser then holds. */
export async function boundSession(w: World, key?: TestKey) {
  const { session, offer } = await registerUser(w);
  const params = readOffer(offer);
  const browserKey = key ?? (await makeKey());
  const jwt = await signProof(browserKey, {
    jti: params.challenge,
    authorization: params.authorization,
  });
  const registered = await register(w, session, jwt);
  assert.equal(registered?.status, 200, registered?.body);
  const instructions = JSON.parse(registered.body) as { session_identifier: string };
  return {
    session,
    key: browserKey,
    id: instructions.session_identifier,
    bound: pair(registered, '__Host-auth_bound'),
    registered,
  };
}

export async function whoAmI(w: World, cookie: string): Promise<boolean> {
  return (await w.latchkey.requireUser(request('GET', '/api/secure-data', { cookie }))).ok;
}
