import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { StoreUnavailableError } from '../../src/errors.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { openSqliteStores } from '../../src/stores/sqlite/index.js';
import { makeTempFolder } from '../stores/sqlite-helpers.js';
import { ManualClock } from '../support/clock.js';
import { inProcessRequest } from '../support/http-request.js';
import {
  SECRET,
  jsonPost,
  oneUser,
  registerIn,
  registrationTurnedOff,
} from '../support/in-process-accounts.js';
import { PASSWORD, logsIn as logsInAs, registerUser } from '../support/users.js';
import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';

import type { TestResponse, TestServer } from '../support/server.js';

describe('POST /auth/delete-account', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());

  before(async () => {
    server = await startTestServer({ clock: clock.now });
  });
  after(async () => {
    await server.close();
  });

  const register = (email?: string) => registerUser(server.url, email);
  const remove = (cookie: string | undefined, body: unknown): Promise<TestResponse> =>
    send(server.url, 'POST', '/auth/delete-account', {
      ...(cookie === undefined ? {} : { cookie }),
      json: body,
      headers: { origin: server.url },
    });
  const logsIn = (email: string) => logsInAs(server.url, email);
  const secureData = async (cookie: string): Promise<number> =>
    (await send(server.url, 'GET', '/api/secure-data', { cookie })).status;

  it('needs a live session', async () => {
    const response = await remove(undefined, { currentPassword: PASSWORD });
    assert.equal(response.status, 401);
    assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
  });

  it('account destruction: a stolen session cannot delete without the password', async () => {
    const { email, cookie } = await register();
    const response = await remove(cookie, { currentPassword: 'a guess' });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'INVALID_CREDENTIALS');
    assert.deepEqual(response.setCookies, []);
    assert.equal(await secureData(cookie), 200);
    assert.equal(await logsIn(email), true);
  });

  it('needs a recent login: an old session gets 403 REAUTHENTICATION_REQUIRED', async () => {
    const { email, cookie } = await register();
    clock.advanceSeconds(601);
    const response = await remove(cookie, { currentPassword: PASSWORD });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'REAUTHENTICATION_REQUIRED');
    assert.equal(await logsIn(email), true);
  });

  it('refuses a body without the current password, deleting nothing', async () => {
    const { email, cookie } = await register();
    for (const body of [{}, { currentPassword: 7 }, { password: PASSWORD }]) {
      const response = await remove(cookie, body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
    assert.equal(await logsIn(email), true);
  });

  it('cross-site request forgery: a forged deletion from another site is refused', async () => {
    const { email, cookie } = await register();
    const response = await send(server.url, 'POST', '/auth/delete-account', {
      cookie,
      json: { currentPassword: PASSWORD },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(response.status, 403);
    assert.equal(await logsIn(email), true);
  });

  it('deletes the account, ends every session of it and clears the cookie', async () => {
    const { email, cookie } = await register();
    const other = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    const otherCookie = cookiePair(other.setCookies[0]);
    const bystander = await register();

    const response = await remove(cookie, { currentPassword: PASSWORD });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, { message: 'Account deleted.' });
    assert.deepEqual(response.setCookies, [
      '__Host-auth_token=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax',
    ]);
    assert.equal(response.headers.get('clear-site-data'), '"cookies"');
    assert.equal(response.headers.get('cache-control'), 'no-store');

    assert.equal(await secureData(cookie), 401);
    assert.equal(await secureData(otherCookie), 401);
    assert.equal(await logsIn(email), false);
    assert.equal(await secureData(bystander.cookie), 200, 'nobody else is touched');
    // The email is free: someone else may register it, and the old sessions stay dead.
    const again = await register(email);
    assert.equal(await secureData(again.cookie), 200);
    assert.equal(await secureData(cookie), 401);
    const logged = server.logs.filter((line) => line.event === 'user.deleted');
    assert.equal(logged.length, 1);
    // On SQLite the sessions go with the account; the log still says how many ended.
    assert.equal(logged[0]?.endedSessions, 2);
    assert.doesNotMatch(server.rawLog(), new RegExp(email.replace('.', '\\.').split('@')[0] ?? ''));
  });

  it('double submit: two deletions at once delete the account once', async () => {
    const { email, cookie } = await register();
    const answers = await Promise.all([
      remove(cookie, { currentPassword: PASSWORD }),
      remove(cookie, { currentPassword: PASSWORD }),
    ]);
    // The second waits its turn (429) or, once the first has ended the session, finds none.
    const statuses = answers.map((answer) => answer.status).sort();
    assert.equal(statuses[0], 200, answers.map((answer) => answer.text).join('\n'));
    assert.ok([401, 429].includes(statuses[1] ?? 0), answers.map((a) => a.text).join('\n'));
    assert.equal(await logsIn(email), false);
  });

  it('password guessing: wrong passwords count against the account as logins do', async () => {
    const { email, cookie } = await register();
    const events = (name: string) =>
      server.logs.filter((line) => line.event === name && line.change === 'deletion').length;
    const [failedBefore, throttledBefore] = [
      events('account_change.failed'),
      events('account_change.throttled'),
    ];
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const response = await remove(cookie, { currentPassword: `guess number ${attempt}` });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
    assert.ok(statuses.slice(5).includes(429), statuses.join(' '));
    const response = await remove(cookie, { currentPassword: PASSWORD });
    assert.equal(response.status, 429, 'refused while the account waits, whatever the password');
    // Guessing from a stolen session shows in the log (and the metrics) as guessing at login does.
    const refused = statuses.filter((status) => status === 403).length;
    assert.equal(events('account_change.failed') - failedBefore, refused);
    assert.ok(events('account_change.throttled') > throttledBefore);
    assert.doesNotMatch(server.rawLog(), /guess number/);
    clock.advanceSeconds(3600);
    assert.equal(await logsIn(email), true);
  });
});

describe('POST /auth/delete-account, at the edges', () => {
  const json = (body: unknown, cookie?: string) => jsonPost('/auth/delete-account', body, cookie);

  it('with registration off, only the administrator deletes accounts', async () => {
    const { userStore, closed, cookie } = await registrationTurnedOff('staff@corp.example');

    const response = await closed.handleAuthRoute(json({ currentPassword: PASSWORD }, cookie));

    assert.equal(response?.status, 403);
    assert.equal(errorCode(JSON.parse(response.body)), 'ACCOUNT_DELETION_DISABLED');
    assert.notEqual(await userStore.findUserByEmail('staff@corp.example'), null);
  });

  it('takeover race: the owner’s password change wins over a thief’s deletion', async () => {
    const { sessionStore, userStore, latchkey, cookie: thief } = await oneUser('owner@example.com');
    const owner = await userStore.findUserByEmail('owner@example.com');
    assert.ok(owner);
    // The owner's password change lands while the thief's password is being checked.
    const remove = userStore.deleteUser.bind(userStore);
    userStore.deleteUser = async (id, expected) => {
      await sessionStore.deleteUserSessions(id);
      await userStore.updatePasswordHash(id, `${owner.passwordHash}-changed`);
      return remove(id, expected);
    };

    const response = await latchkey.handleAuthRoute(json({ currentPassword: PASSWORD }, thief));

    assert.equal(response?.status, 409);
    assert.equal(errorCode(JSON.parse(response.body)), 'CHANGED_MEANWHILE');
    assert.notEqual(await userStore.findUserById(owner.id), null);
  });

  it('a login whose account is deleted meanwhile gets 401, not a store failure', async () => {
    const temp = makeTempFolder();
    const stores = openSqliteStores(temp.path('race.db'));
    try {
      const latchkey = createLatchkey({
        sessionStore: stores.sessions,
        userStore: stores.users,
        secrets: [SECRET],
      });
      await registerIn(latchkey, 'lou@example.com');
      const user = await stores.users.findUserByEmail('lou@example.com');
      assert.ok(user);
      // The deletion lands after the login checked the password, before its session is stored.
      const insert = stores.sessions.insertSession.bind(stores.sessions);
      stores.sessions.insertSession = async (record) => {
        await stores.users.deleteUser(user.id);
        return insert(record);
      };

      const response = await latchkey.handleAuthRoute(
        inProcessRequest('POST', '/auth/login', {
          headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
          body: JSON.stringify({ email: 'lou@example.com', password: PASSWORD }),
        }),
      );

      assert.equal(response?.status, 401, response?.body);
      assert.equal(errorCode(JSON.parse(response.body)), 'INVALID_CREDENTIALS');
      assert.deepEqual(await stores.sessions.listUserSessions(user.id), []);
    } finally {
      await stores.close();
      temp.remove();
    }
  });

  it('a change that loses to a deletion says that the account is gone', async () => {
    for (const [path, body] of [
      ['/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' }],
      ['/auth/email', { currentPassword: PASSWORD, newEmail: 'elsewhere@example.com' }],
      ['/auth/delete-account', { currentPassword: PASSWORD }],
    ] as const) {
      const { userStore, latchkey, cookie } = await oneUser('ned@example.com');
      const user = await userStore.findUserByEmail('ned@example.com');
      assert.ok(user);
      // Another server deletes the account while this request checks the password (the first
      // read by id), or just before it writes the new password (the write finds no row).
      const find = userStore.findUserById.bind(userStore);
      let reads = 0;
      userStore.findUserById = async (id) => {
        reads += 1;
        if (path !== '/auth/password' && reads === 2) await userStore.deleteUser(id);
        return find(id);
      };
      const update = userStore.updatePasswordHash.bind(userStore);
      userStore.updatePasswordHash = async (id, hash) => {
        await userStore.deleteUser(id);
        return update(id, hash);
      };

      const response = await latchkey.handleAuthRoute(
        inProcessRequest('POST', path, {
          headers: {
            'content-type': 'application/json',
            'sec-fetch-site': 'same-origin',
            cookie,
          },
          body: JSON.stringify(body),
        }),
      );

      // Not "the current password is incorrect", and not counted as a wrong password.
      assert.equal(response?.status, 401, `${path}: ${response?.body ?? ''}`);
      assert.equal(errorCode(JSON.parse(response.body)), 'UNAUTHENTICATED', path);
      const { error } = JSON.parse(response.body) as { error: { message: string } };
      assert.match(error.message, /no longer exists/, path);
      assert.equal(await userStore.findUserById(user.id), null, path);
    }
  });

  it('a store failing as the sessions are ended still says the account was deleted', async () => {
    const { sessionStore, userStore, latchkey, cookie } = await oneUser('max@example.com');
    const user = await userStore.findUserByEmail('max@example.com');
    assert.ok(user);
    const endSessions = sessionStore.deleteUserSessions.bind(sessionStore);
    sessionStore.deleteUserSessions = () =>
      Promise.reject(new StoreUnavailableError('deleteUserSessions', new Error('connection lost')));

    const response = await latchkey.handleAuthRoute(json({ currentPassword: PASSWORD }, cookie));

    assert.equal(response?.status, 200, response?.body);
    assert.equal(await userStore.findUserById(user.id), null);
    assert.equal((await sessionStore.listUserSessions(user.id)).length, 1);
    // Once the store is back, the session left behind names a user that is gone: it is not a
    // session, and it is ended.
    sessionStore.deleteUserSessions = endSessions;
    const session = await latchkey.handleAuthRoute(
      inProcessRequest('GET', '/auth/session', { headers: { cookie } }),
    );
    assert.equal(session?.status, 401);
    assert.deepEqual(await sessionStore.listUserSessions(user.id), []);
  });
});
