import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StoreUnavailableError } from '../../src/errors.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';
import { startSecurityServer } from '../support/security-server.js';
import { send } from '../support/server.js';

import type { HttpRequest, HttpResponse } from '../../src/http/types.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase for carol';

describe('a password change voids what the old password earned', () => {
  it('a device cookie from before the change no longer exempts its holder from the account throttle', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startSecurityServer({
      clock: clock.now,
      env: { LATCHKEY_TRUST_PROXY: '1' },
      throttle: { accountFreeFailures: 3, addressFreeFailures: 1_000 },
    });
    try {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const email = 'carol@example.com';
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email, password: PASSWORD },
        headers: from('192.0.2.1'),
      });
      const session = registered.setCookies[0]?.split(';')[0] ?? '';
      // An attacker who once logged in as Carol (say, with a phished password) keeps a device cookie.
      const attackerLogin = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        headers: from('203.0.113.9'),
      });
      const stolenDevice = attackerLogin.setCookies[1]?.split(';')[0] ?? '';
      assert.match(stolenDevice, /^__Host-latchkey_device=/);

      const changed = await send(server.url, 'POST', '/auth/password', {
        cookie: session,
        json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        headers: { ...from('192.0.2.1'), origin: server.url },
      });
      assert.equal(changed.status, 200);

      // Others hammer the account until it is throttled.
      for (let i = 0; i < 4; i += 1) {
        await send(server.url, 'POST', '/auth/login', {
          json: { email, password: `guess ${i}` },
          headers: from(`198.51.100.${i + 1}`),
        });
      }
      const withStolen = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: 'device guess' },
        cookie: stolenDevice,
        headers: from('203.0.113.10'),
      });
      assert.equal(withStolen.status, 429, 'the old device cookie is worth nothing now');
    } finally {
      await server.close();
    }
  });

  it('a login checking the old password while the change runs gets no lasting session', async () => {
    const users = new MemoryUserStore();
    const sessions = new MemorySessionStore();
    let during: (() => Promise<void>) | null = null;
    // The attacker's session insert is held until the owner's password change has finished.
    const racing = new Proxy(sessions, {
      get(target, property, receiver) {
        if (property === 'insertSession' && during !== null) {
          const run = during;
          during = null;
          return async (...args: Parameters<MemorySessionStore['insertSession']>) => {
            await run();
            return target.insertSession(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const clock = new ManualClock(Date.now());
    const latchkey = createLatchkey({
      sessionStore: racing,
      userStore: users,
      secrets: ['a secret that is at least thirty-two bytes long'],
      clock: clock.now,
    });
    const json = (path: string, body: unknown, cookie?: string): HttpRequest => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'sec-fetch-site': 'same-origin',
        ...(cookie === undefined ? {} : { cookie }),
      };
      return {
        method: 'POST',
        path,
        clientAddress: '192.0.2.1',
        protocol: 'http',
        header: (name) => headers[name],
        readBody: () => Promise.resolve(new TextEncoder().encode(JSON.stringify(body))),
      };
    };
    const cookieOf = (headers: [string, string][] | undefined) =>
      headers?.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0] ?? '';

    const owner = await latchkey.handleAuthRoute(
      json('/auth/register', { email: 'carol@example.com', password: PASSWORD }),
    );
    const ownerCookie = cookieOf(owner?.headers);

    during = async () => {
      const change = await latchkey.handleAuthRoute(
        json(
          '/auth/password',
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          ownerCookie,
        ),
      );
      assert.equal(change?.status, 200);
    };
    const attacker = await latchkey.handleAuthRoute(
      json('/auth/login', { email: 'carol@example.com', password: PASSWORD }),
    );
    assert.equal(attacker?.status, 401, 'the login that raced the change is refused');
    const user = (await users.listUsers())[0];
    assert.ok(user);
    assert.equal((await sessions.listUserSessions(user.id)).length, 1, 'only the owner’s session');
  });

  it('a store failure mid-change never leaves a new password with a thief still logged in', async () => {
    const users = new MemoryUserStore();
    let failSave = false;
    const flakyUsers = new Proxy(users, {
      get(target, property, receiver) {
        if (property === 'updatePasswordHash' && failSave) {
          return () =>
            Promise.reject(new StoreUnavailableError('updatePasswordHash', new Error('lost')));
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: flakyUsers,
      secrets: ['a secret that is at least thirty-two bytes long'],
    });
    const call = (path: string, body: unknown, cookie?: string): Promise<HttpResponse | null> => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'sec-fetch-site': 'same-origin',
        ...(cookie === undefined ? {} : { cookie }),
      };
      return latchkey.handleAuthRoute({
        method: 'POST',
        path,
        clientAddress: '192.0.2.1',
        protocol: 'http',
        header: (name) => headers[name],
        readBody: () => Promise.resolve(new TextEncoder().encode(JSON.stringify(body))),
      });
    };
    const cookieOf = (response: HttpResponse | null) =>
      response?.headers.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0] ?? '';
    const credentials = { email: 'erin@example.com', password: PASSWORD };
    const owner = cookieOf(await call('/auth/register', credentials));
    const thief = cookieOf(await call('/auth/login', credentials));

    failSave = true;
    const change = await call(
      '/auth/password',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      owner,
    );
    assert.equal(change?.status, 503);
    failSave = false;

    const thiefSession = await latchkey.requireUser({
      method: 'GET',
      path: '/x',
      clientAddress: '192.0.2.9',
      protocol: 'http',
      header: (name) => (name === 'cookie' ? thief : undefined),
      readBody: () => Promise.resolve(null),
    });
    assert.equal(thiefSession.ok, false, 'the other session ended before the save was tried');
    assert.equal(
      (await call('/auth/login', credentials))?.status,
      200,
      'the password is unchanged',
    );
  });

  it('someone holding the password cannot block the owner by logging in over and over', async () => {
    const server = await startSecurityServer();
    try {
      const email = 'dave@example.com';
      await send(server.url, 'POST', '/auth/register', { json: { email, password: PASSWORD } });
      const login = () =>
        send(server.url, 'POST', '/auth/login', { json: { email, password: PASSWORD } });
      const results = await Promise.all(Array.from({ length: 10 }, login));
      assert.deepEqual(
        results.map((response) => response.status),
        Array<number>(10).fill(200),
        'concurrent logins wait their turn instead of being refused',
      );
    } finally {
      await server.close();
    }
  });
});
