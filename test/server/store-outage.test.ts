import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { withErrorResponses } from '../../src/http/guard.js';
import { createAuthContext } from '../../src/http/context.js';
import { silentLogger } from '../../src/log.js';
import { createServerApp } from '../../src/server/app.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';

import type { HttpRequest } from '../../src/http/types.js';
import type { SessionStore } from '../../src/session/index.js';

function request(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): HttpRequest {
  return {
    method,
    path,
    clientAddress: '127.0.0.1',
    protocol: 'http',
    header: (name) => (name === 'host' ? 'localhost' : headers[name]),
    readBody: () => Promise.resolve(new TextEncoder().encode(body)),
  };
}

describe('a session store that cannot be reached', () => {
  const working = new MemorySessionStore();
  let down = false;
  const flaky: SessionStore = new Proxy(working, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        down
          ? Promise.reject(new Error('ECONNREFUSED'))
          : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    },
  });
  const users = new MemoryUserStore();
  const context = createAuthContext({
    sessionStore: flaky,
    userStore: users,
    secrets: ['a secret of at least thirty-two bytes, for tests'],
  });
  const app = withErrorResponses(createServerApp(context), silentLogger);
  const credentials = JSON.stringify({ email: 'a@example.com', password: 'correct horse battery' });
  const json = { 'content-type': 'application/json', origin: 'http://localhost' };

  it('answers 503 STORE_UNAVAILABLE: never a login, never a silent logout', async () => {
    const registered = await app(request('POST', '/auth/register', json, credentials));
    assert.equal(registered.status, 201);
    const setCookie = registered.headers.find(([name]) => name === 'Set-Cookie')?.[1] ?? '';
    const cookie = { cookie: setCookie.split(';')[0] ?? '', origin: 'http://localhost' };

    down = true;
    const login = await app(request('POST', '/auth/login', json, credentials));
    assert.equal(login.status, 503);
    assert.equal(
      login.headers.some(([name]) => name === 'Set-Cookie'),
      false,
    );
    assert.equal(
      (JSON.parse(login.body) as { error: { code: string } }).error.code,
      'STORE_UNAVAILABLE',
    );

    const data = await app(request('GET', '/api/secure-data', cookie));
    assert.equal(data.status, 503, 'not 401: the user is not logged out');

    const logout = await app(request('POST', '/auth/logout', cookie));
    assert.equal(logout.status, 503);
    assert.equal(
      logout.headers.some(([name]) => name === 'Set-Cookie'),
      false,
      'cookie kept',
    );

    down = false;
    assert.equal((await app(request('GET', '/api/secure-data', cookie))).status, 200);
  });
});

describe('a session store that fails to count a registration', () => {
  it('still answers 201 for the account it made, and logs the missed writes', async () => {
    const working = new MemorySessionStore();
    const flaky: SessionStore = new Proxy(working, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        const call = (...args: unknown[]) =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (property !== 'incrementThrottle') return call;
        return (key: string, ...rest: unknown[]) =>
          key.startsWith('register:') || key.startsWith('login:known:')
            ? Promise.reject(new Error('ECONNRESET'))
            : call(key, ...rest);
      },
    });
    const events: string[] = [];
    const logger = { log: (_level: string, event: string) => events.push(event) };
    const context = createAuthContext({
      sessionStore: flaky,
      userStore: new MemoryUserStore(),
      secrets: ['a secret of at least thirty-two bytes, for tests'],
      logger,
    });
    const app = withErrorResponses(createServerApp(context), logger);
    const credentials = JSON.stringify({
      email: 'b@example.com',
      password: 'correct horse battery',
    });
    const json = { 'content-type': 'application/json', origin: 'http://localhost' };
    const registered = await app(request('POST', '/auth/register', json, credentials));
    assert.equal(registered.status, 201, registered.body);
    // Its count and its known address were both lost, and said so.
    assert.equal(events.filter((event) => event === 'register.count_failed').length, 2);
    assert.ok(events.includes('user.registered'));
  });
});
