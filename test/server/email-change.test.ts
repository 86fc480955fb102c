import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { StoreUnavailableError } from '../../src/errors.js';
import { ManualClock } from '../support/clock.js';
import { jsonPost, oneUser, registrationTurnedOff } from '../support/in-process-accounts.js';
import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';

import type { TestResponse, TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';

describe('POST /auth/email', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());
  let counter = 0;

  before(async () => {
    server = await startTestServer({ clock: clock.now });
  });
  after(async () => {
    await server.close();
  });

  const register = async (email = `mail${++counter}@example.com`) => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
    });
    assert.equal(response.status, 201, response.text);
    return { email, cookie: cookiePair(response.setCookies[0]) };
  };
  const change = (cookie: string, body: unknown): Promise<TestResponse> =>
    send(server.url, 'POST', '/auth/email', {
      cookie,
      json: body,
      headers: { origin: server.url },
    });
  const logsIn = async (email: string): Promise<boolean> => {
    const response = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    return response.status === 200;
  };
  const whoAmI = async (cookie: string): Promise<string | undefined> => {
    const response = await send(server.url, 'GET', '/auth/session', { cookie });
    return (response.body as { user?: { email: string } }).user?.email;
  };

  it('needs a live session', async () => {
    const response = await send(server.url, 'POST', '/auth/email', {
      json: { currentPassword: PASSWORD, newEmail: 'someone@example.com' },
      headers: { origin: server.url },
    });
    assert.equal(response.status, 401);
    assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
  });

  it('account takeover: a stolen session cannot move the account to another email', async () => {
    const { email, cookie } = await register();
    const thief = `thief${counter}@example.com`;
    const response = await change(cookie, { currentPassword: 'a guess', newEmail: thief });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'INVALID_CREDENTIALS');
    assert.deepEqual(response.setCookies, []);
    assert.equal(await whoAmI(cookie), email);
    assert.equal(await logsIn(email), true);
    assert.equal(await logsIn(thief), false);
  });

  it('needs a recent login: an old session gets 403 REAUTHENTICATION_REQUIRED', async () => {
    const { email, cookie } = await register();
    clock.advanceSeconds(601);
    const response = await change(cookie, {
      currentPassword: PASSWORD,
      newEmail: `late${counter}@example.com`,
    });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response.body), 'REAUTHENTICATION_REQUIRED');
    assert.equal(await whoAmI(cookie), email);
  });

  it('account enumeration: without the password, a taken email is not told apart', async () => {
    const taken = await register();
    const { cookie } = await register();
    const toTaken = await change(cookie, { currentPassword: 'a guess', newEmail: taken.email });
    const toFree = await change(cookie, {
      currentPassword: 'a guess',
      newEmail: `free${counter}@example.com`,
    });
    assert.equal(toTaken.status, 403);
    assert.deepEqual(toTaken.body, toFree.body);
  });

  it('refuses an email another account has with 409 EMAIL_TAKEN, changing nothing', async () => {
    const taken = await register();
    const { email, cookie } = await register();
    const response = await change(cookie, {
      currentPassword: PASSWORD,
      newEmail: taken.email.toUpperCase(),
    });
    assert.equal(response.status, 409);
    assert.equal(errorCode(response.body), 'EMAIL_TAKEN');
    assert.deepEqual(response.setCookies, []);
    assert.equal(await whoAmI(cookie), email);
    assert.equal(await whoAmI(taken.cookie), taken.email);
  });

  it('account enumeration: probing taken emails with the password is throttled', async () => {
    const { cookie } = await register();
    const taken = [await register(), await register()];
    const statuses: number[] = [];
    for (let probe = 0; probe < 7; probe += 1) {
      const newEmail = taken[probe % 2]?.email;
      const response = await change(cookie, { currentPassword: PASSWORD, newEmail });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [409, 409, 409, 409, 409]);
    assert.ok(statuses.slice(5).includes(429), statuses.join(' '));
  });

  it('refuses an invalid email or the same one, naming the field', async () => {
    const { email, cookie } = await register();
    const invalid = await change(cookie, { currentPassword: PASSWORD, newEmail: 'not an email' });
    assert.equal(invalid.status, 400);
    assert.equal(errorCode(invalid.body), 'EMAIL_INVALID');
    assert.equal((invalid.body as { error: { field: string } }).error.field, 'newEmail');
    const same = await change(cookie, { currentPassword: PASSWORD, newEmail: email.toUpperCase() });
    assert.equal(same.status, 400);
    assert.equal(errorCode(same.body), 'EMAIL_UNCHANGED');
    const missing = await change(cookie, { currentPassword: PASSWORD });
    assert.equal(missing.status, 400);
    assert.equal(await whoAmI(cookie), email);
  });

  it('changes the email, rotates this session and keeps the others', async () => {
    const { email, cookie } = await register();
    const other = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: PASSWORD },
    });
    const otherCookie = cookiePair(other.setCookies[0]);
    const newEmail = `Moved${counter}@Example.com`;

    const response = await change(cookie, { currentPassword: PASSWORD, newEmail });
    assert.equal(response.status, 200, response.text);
    const body = response.body as { user: { email: string }; csrfToken: string };
    assert.equal(body.user.email, newEmail.toLowerCase());
    const rotated = cookiePair(response.setCookies[0]);
    assert.notEqual(rotated, cookie);
    assert.match(response.setCookies[1] ?? '', /latchkey_device=/);

    // Session fixation: the session id from before the change is dead.
    assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 401);
    assert.equal(await whoAmI(rotated), newEmail.toLowerCase());
    assert.equal(await whoAmI(otherCookie), newEmail.toLowerCase());
    const logout = await send(server.url, 'POST', '/auth/logout', {
      cookie: rotated,
      headers: { 'x-csrf-token': body.csrfToken },
    });
    assert.equal(logout.status, 200, logout.text);

    assert.equal(await logsIn(email), false, 'the old email no longer logs in');
    assert.equal(await logsIn(newEmail), true);
    // The old email is free: someone else may register it.
    await register(email);
    assert.equal(
      server.logs.filter((line) => line.event === 'user.email_changed').length,
      1,
      'logged once, by user id',
    );
    assert.doesNotMatch(server.rawLog(), new RegExp(`moved${counter}@`, 'i'));
  });

  it('double submit: two changes at once from one session leave the email one names', async () => {
    const { email, cookie } = await register();
    const targets = [`b-${email}`, `c-${email}`];
    const answers = await Promise.all(
      targets.map((newEmail) => change(cookie, { currentPassword: PASSWORD, newEmail })),
    );
    // The second waits its turn (429) or, once the first has rotated the session, finds none.
    const statuses = answers.map((answer) => answer.status).sort();
    assert.equal(statuses[0], 200, answers.map((answer) => answer.text).join('\n'));
    assert.ok([401, 429].includes(statuses[1] ?? 0), answers.map((a) => a.text).join('\n'));
    const done = answers.find((answer) => answer.status === 200);
    const named = (done?.body as { user: { email: string } }).user.email;
    assert.ok(targets.includes(named));
    assert.equal(await whoAmI(cookiePair(done?.setCookies[0])), named);
    assert.equal(await logsIn(named), true);
    assert.equal(await logsIn(email), false);
  });

  it('password guessing: wrong passwords count against the account as logins do', async () => {
    const { cookie } = await register();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const response = await change(cookie, {
        currentPassword: `guess number ${attempt}`,
        newEmail: `guessed${counter}@example.com`,
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
    assert.ok(statuses.slice(5).includes(429), statuses.join(' '));
    const response = await change(cookie, {
      currentPassword: PASSWORD,
      newEmail: `guessed${counter}@example.com`,
    });
    assert.equal(response.status, 429, 'refused while the account waits, whatever the password');
  });
});

describe('POST /auth/email, at the edges', () => {
  const json = (body: unknown, cookie?: string) => jsonPost('/auth/email', body, cookie);

  it('email squatting: with registration off, a user cannot claim an address either', async () => {
    const { userStore, closed, cookie } = await registrationTurnedOff('staff@corp.example');

    const response = await closed.handleAuthRoute(
      json({ currentPassword: PASSWORD, newEmail: 'ceo@corp.example' }, cookie),
    );

    assert.equal(response?.status, 403);
    assert.equal(errorCode(JSON.parse(response.body)), 'EMAIL_CHANGE_DISABLED');
    assert.equal(await userStore.findUserByEmail('ceo@corp.example'), null);
  });

  it('takeover race: a change checked on a password since changed is not written', async () => {
    const { sessionStore, userStore, latchkey, cookie: thief } = await oneUser('owner@example.com');
    const owner = await userStore.findUserByEmail('owner@example.com');
    assert.ok(owner);
    // The owner's password change lands while the thief's password is being checked: it ends
    // every other session and saves a new hash before the thief's change is written.
    const save = userStore.updateUserEmail.bind(userStore);
    userStore.updateUserEmail = async (id, email, expected) => {
      await sessionStore.deleteUserSessions(id);
      await userStore.updatePasswordHash(id, `${owner.passwordHash}-changed`);
      return save(id, email, expected);
    };

    const response = await latchkey.handleAuthRoute(
      json({ currentPassword: PASSWORD, newEmail: 'thief@example.com' }, thief),
    );

    assert.equal(response?.status, 409);
    assert.equal(errorCode(JSON.parse(response.body)), 'CHANGED_MEANWHILE');
    assert.equal((await userStore.findUserById(owner.id))?.email, 'owner@example.com');
    assert.equal(await userStore.findUserByEmail('thief@example.com'), null);
    assert.deepEqual(await sessionStore.listUserSessions(owner.id), []);
  });

  it('lost update: a change read before another was written is refused', async () => {
    const { userStore, latchkey, cookie } = await oneUser('lee@example.com');
    // Another session's change (on another server, say) is written while this one is checked.
    const save = userStore.updateUserEmail.bind(userStore);
    userStore.updateUserEmail = async (id, email, expected) => {
      await save(id, 'lee@example.net');
      return save(id, email, expected);
    };

    const response = await latchkey.handleAuthRoute(
      json({ currentPassword: PASSWORD, newEmail: 'lee@example.org' }, cookie),
    );

    assert.equal(response?.status, 409);
    assert.equal(errorCode(JSON.parse(response.body)), 'CHANGED_MEANWHILE');
    assert.equal((await userStore.findUserByEmail('lee@example.net'))?.email, 'lee@example.net');
    assert.equal(await userStore.findUserByEmail('lee@example.org'), null);
  });

  it('a store failing just after the change says the email was changed', async () => {
    const { sessionStore, latchkey, cookie } = await oneUser('max@example.com');
    sessionStore.replaceSession = () =>
      Promise.reject(new StoreUnavailableError('replaceSession', new Error('connection lost')));

    const response = await latchkey.handleAuthRoute(
      json({ currentPassword: PASSWORD, newEmail: 'max@example.org' }, cookie),
    );

    assert.equal(response?.status, 503);
    const { error } = JSON.parse(response.body) as { error: { code: string; message: string } };
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.match(error.message, /changed to max@example\.org/);
  });

  it('a session ended just after the change is told which email the account now has', async () => {
    const { sessionStore, userStore, latchkey, cookie } = await oneUser('kim@example.com');
    const save = userStore.updateUserEmail.bind(userStore);
    userStore.updateUserEmail = async (id, email, expected) => {
      const saved = await save(id, email, expected);
      await sessionStore.deleteUserSessions(id);
      return saved;
    };

    const response = await latchkey.handleAuthRoute(
      json({ currentPassword: PASSWORD, newEmail: 'kim@example.org' }, cookie),
    );

    assert.equal(response?.status, 401);
    const { error } = JSON.parse(response.body) as { error: { message: string } };
    assert.match(error.message, /changed to kim@example\.org/);
    assert.equal((await userStore.findUserByEmail('kim@example.org'))?.email, 'kim@example.org');
  });
});
