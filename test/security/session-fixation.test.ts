import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { cookiePair, send, startTestServer } from '../support/server.js';
import {
  PASSWORD,
  loginUser,
  registerUser,
  sessionEmail,
  sessionStatus,
  uniqueEmail,
} from '../support/users.js';

import type { TestServer } from '../support/server.js';

const SAME_ORIGIN = (url: string) => ({ origin: url, 'sec-fetch-site': 'same-origin' });

describe('session fixation with an attacker-chosen cookie', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('a planted well-formed token is never adopted at login or registration', async () => {
    const planted = `__Host-auth_token=${'Q'.repeat(43)}`;
    const victim = await registerUser(server.url);
    const login = await loginUser(server.url, victim.email, {
      cookie: planted,
      headers: SAME_ORIGIN(server.url),
    });
    assert.notEqual(login.cookie, planted);
    assert.equal(await sessionStatus(server.url, planted), 401);
    assert.equal(await sessionEmail(server.url, login.cookie), victim.email);

    const registered = await send(server.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('fixed'), password: PASSWORD },
      cookie: planted,
      headers: SAME_ORIGIN(server.url),
    });
    assert.equal(registered.status, 201, registered.text);
    assert.notEqual(cookiePair(registered.setCookies[0]), planted);
    assert.equal(await sessionStatus(server.url, planted), 401);
  });

  it('a planted live session of the attacker ends when the victim logs in over it', async () => {
    const attacker = await registerUser(server.url);
    const planted = await loginUser(server.url, attacker.email);
    const victimEmail = (await registerUser(server.url)).email;

    const victim = await loginUser(server.url, victimEmail, {
      cookie: planted.cookie,
      headers: SAME_ORIGIN(server.url),
    });

    assert.notEqual(victim.cookie, planted.cookie, 'the victim got a new token');
    assert.notEqual(victim.sessionId, planted.sessionId, 'and a new session id');
    assert.equal(await sessionEmail(server.url, victim.cookie), victimEmail);
    // The planted session is dead: the attacker's copy of its cookie opens nothing, and
    // certainly not the victim's account.
    assert.equal(await sessionEmail(server.url, planted.cookie), null);
    // The attacker's other session sees only the attacker's own sessions.
    const list = await send(server.url, 'GET', '/auth/sessions', { cookie: attacker.cookie });
    assert.equal(list.status, 200);
    const ids = (list.body as { sessions: { id: string }[] }).sessions.map((s) => s.id);
    assert.equal(ids.includes(victim.sessionId), false);
    assert.equal(ids.includes(planted.sessionId), false);
  });

  it('a planted session is ended too when the victim registers over it', async () => {
    const attacker = await registerUser(server.url);
    const registered = await send(server.url, 'POST', '/auth/register', {
      json: { email: uniqueEmail('victim'), password: PASSWORD },
      cookie: attacker.cookie,
      headers: SAME_ORIGIN(server.url),
    });
    assert.equal(registered.status, 201, registered.text);
    const fresh = cookiePair(registered.setCookies[0]);
    assert.notEqual(fresh, attacker.cookie);
    assert.equal(await sessionStatus(server.url, attacker.cookie), 401);
    assert.equal(await sessionStatus(server.url, fresh), 200);
  });

  it('a planted cookie beside the victim’s own does not survive the victim’s next login', async () => {
    const attacker = await registerUser(server.url);
    const victim = await registerUser(server.url);
    const login = await loginUser(server.url, victim.email, {
      cookie: `${attacker.cookie}; ${victim.cookie}`,
      headers: SAME_ORIGIN(server.url),
    });
    assert.equal(await sessionEmail(server.url, login.cookie), victim.email);
    assert.equal(await sessionStatus(server.url, attacker.cookie), 401);
    assert.equal(await sessionStatus(server.url, victim.cookie), 401);
  });
});
