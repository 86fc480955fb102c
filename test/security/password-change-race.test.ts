import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { AccountError } from '../../src/errors.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { inProcessRequest } from '../support/http-request.js';
import { SECRET, jsonPost, registerIn } from '../support/in-process-accounts.js';
import { errorCode } from '../support/server.js';
import { PASSWORD } from '../support/users.js';

import type { UserStore } from '../../src/accounts/index.js';
import type { Latchkey } from '../../src/http/latchkey.js';
import type { HttpResponse } from '../../src/http/types.js';

// A thief who knows the current password and the owner who learns of it both change it at once.
// Each change is made over the password it checked, so the first one saved stands; the other is
// refused (409 CHANGED_MEANWHILE), and a refused change ends nobody's sessions.

const CHEAP = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };
const OWNER_NEW = 'the owner takes the account back';
const THIEF_NEW = 'the thief locks the owner out for good';

describe('password changes racing each other (account takeover)', () => {
  it('a thief’s change cannot overwrite the owner’s, saved while the thief’s was checked', async () => {
    const store = new MemoryUserStore();
    const accounts = new Accounts(store, { argon2id: CHEAP });
    const user = await accounts.register({ email: 'owner@example.com', password: PASSWORD });
    // The owner's change lands just after the thief's request has read the account (and before
    // it checks the password, hashes the new one and saves it).
    const find = store.findUserById.bind(store);
    let armed = true;
    store.findUserById = async (id) => {
      const record = await find(id);
      if (armed) {
        armed = false;
        const owner = { currentPassword: PASSWORD, newPassword: OWNER_NEW };
        assert.equal(await accounts.changePassword(id, owner), true);
      }
      return record;
    };
    let thiefEndedSessions = false;

    await assert.rejects(
      accounts.changePassword(
        user.id,
        { currentPassword: PASSWORD, newPassword: THIEF_NEW },
        {
          beforeSave: () => {
            thiefEndedSessions = true;
            return Promise.resolve();
          },
        },
      ),
      (error) => error instanceof AccountError && error.code === 'CHANGED_MEANWHILE',
    );

    assert.equal(armed, false);
    assert.equal(thiefEndedSessions, false, 'the losing change ends nobody’s sessions');
    assert.notEqual(await accounts.authenticate({ email: user.email, password: OWNER_NEW }), null);
    assert.equal(await accounts.authenticate({ email: user.email, password: THIEF_NEW }), null);
  });

  it('a thief’s change that passed its last check as the owner’s was saved ends none of the owner’s sessions', async () => {
    const userStore = new MemoryUserStore();
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore,
      secrets: [SECRET],
      accounts: { argon2id: CHEAP },
    });
    const email = 'owner@example.com';
    await registerIn(latchkey, email);
    const owner = await logIn(latchkey, email, OWNER_ADDRESS);
    const thief = await logIn(latchkey, email, THIEF_ADDRESS);
    // The thief's last look at the account (after hashing its new password) finds it unchanged,
    // and the owner's whole change runs just after that look: the thief's session is ended, the
    // owner's new password saved, before the thief's request goes on to end sessions and save.
    const find = userStore.findUserById.bind(userStore);
    let armed = true;
    let ownerAnswer: HttpResponse | null = null;
    userStore.findUserById = async (id) => {
      const record = await find(id);
      if (armed && (new Error().stack ?? '').includes('#refuseChangedMeanwhile')) {
        armed = false;
        ownerAnswer = await change(latchkey, owner, OWNER_NEW);
      }
      return record;
    };

    const thiefAnswer = await change(latchkey, thief, THIEF_NEW, THIEF_ADDRESS);

    assert.equal(armed, false, 'the thief’s request took its last look at the account');
    assert.equal(thiefAnswer.status, 401, thiefAnswer.body);
    const saved = ownerAnswer as HttpResponse | null;
    assert.equal(saved?.status, 200, saved?.body);
    const rotated = saved.headers.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0];
    assert.ok(rotated);
    const session = await latchkey.handleAuthRoute(
      inProcessRequest('GET', '/auth/session', { headers: { cookie: rotated } }),
    );
    assert.equal(session?.status, 200, 'the owner is still logged in');
    assert.equal(await logsIn(latchkey, email, OWNER_NEW), true);
    assert.equal(await logsIn(latchkey, email, THIEF_NEW), false);
  });

  it('of two changes sent at once, the one saved is the only one answered as saved', async () => {
    for (let round = 0; round < 4; round += 1) {
      const latchkey = createLatchkey({
        sessionStore: new MemorySessionStore(),
        userStore: new MemoryUserStore(),
        secrets: [SECRET],
        accounts: { argon2id: CHEAP },
      });
      const email = `owner${String(round)}@example.com`;
      await registerIn(latchkey, email);
      const owner = await logIn(latchkey, email, OWNER_ADDRESS);
      const thief = await logIn(latchkey, email, THIEF_ADDRESS);

      const [ownerAnswer, thiefAnswer] = await Promise.all([
        change(latchkey, owner, OWNER_NEW),
        change(latchkey, thief, THIEF_NEW, THIEF_ADDRESS),
      ]);

      const ownerStands = await logsIn(latchkey, email, OWNER_NEW);
      const thiefStands = await logsIn(latchkey, email, THIEF_NEW);
      assert.notEqual(ownerStands, thiefStands, 'exactly one of the two passwords is saved');
      const [saved, refused] = ownerStands
        ? [ownerAnswer, thiefAnswer]
        : [thiefAnswer, ownerAnswer];
      // Refused: changed meanwhile (409), checked after the other was saved (403, the current
      // password is no longer that), or its session ended by the other first (401).
      const code = errorCode(JSON.parse(refused.body));
      assert.ok(
        (refused.status === 409 && code === 'CHANGED_MEANWHILE') ||
          (refused.status === 403 && code === 'INVALID_CREDENTIALS') ||
          (refused.status === 401 && !refused.body.includes('The password was changed')),
        `${String(refused.status)} ${refused.body}`,
      );
      // The saved one is 200, or 401 saying it was saved when the other ended its session first.
      if (saved.status !== 200) {
        assert.equal(saved.status, 401, saved.body);
        assert.match(saved.body, /The password was changed/);
      }
    }
  });

  it('a store whose updatePasswordHash returns nothing has saved the change', async () => {
    const store = new MemoryUserStore();
    const accounts = new Accounts(store, { argon2id: CHEAP });
    const user = await accounts.register({ email: 'legacy@example.com', password: PASSWORD });
    // As a store written when the method returned nothing (see UserStore).
    const update = store.updatePasswordHash.bind(store);
    const legacy: UserStore = store;
    legacy.updatePasswordHash = async (...args) => {
      await update(...args);
    };

    const change = { currentPassword: PASSWORD, newPassword: OWNER_NEW };
    assert.equal(await accounts.changePassword(user.id, change), true);
    assert.notEqual(await accounts.authenticate({ email: user.email, password: OWNER_NEW }), null);
  });

  it('a change to the password it replaces is refused: 400 PASSWORD_UNCHANGED', async () => {
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
      accounts: { argon2id: CHEAP },
    });
    const cookie = await registerIn(latchkey, 'same@example.com');

    const answer = await change(latchkey, cookie, PASSWORD);

    assert.equal(answer.status, 400, answer.body);
    assert.equal(errorCode(JSON.parse(answer.body)), 'PASSWORD_UNCHANGED');
    const body = JSON.parse(answer.body) as { error: { field?: string } };
    assert.equal(body.error.field, 'newPassword');
  });
});

// The owner's browser and the thief's are on different addresses, so their changes are
// throttled on different counters and nothing makes one wait for the other.
const OWNER_ADDRESS = '192.0.2.1';
const THIEF_ADDRESS = '198.51.100.7';

async function change(
  latchkey: Latchkey,
  cookie: string,
  newPassword: string,
  address = OWNER_ADDRESS,
): Promise<HttpResponse> {
  const body = { currentPassword: PASSWORD, newPassword };
  const answer = await latchkey.handleAuthRoute(jsonPost('/auth/password', body, cookie, address));
  assert.ok(answer);
  return answer;
}

async function logIn(latchkey: Latchkey, email: string, address: string): Promise<string> {
  const answer = await latchkey.handleAuthRoute(
    jsonPost('/auth/login', { email, password: PASSWORD }, undefined, address),
  );
  assert.equal(answer?.status, 200);
  const cookie = answer.headers.find(([name]) => name === 'Set-Cookie')?.[1].split(';')[0];
  assert.ok(cookie);
  return cookie;
}

async function logsIn(latchkey: Latchkey, email: string, password: string): Promise<boolean> {
  const answer = await latchkey.handleAuthRoute(
    jsonPost('/auth/login', { email, password }, undefined, '203.0.113.50'),
  );
  return answer?.status === 200;
}
