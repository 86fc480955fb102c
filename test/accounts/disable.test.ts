import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';

import type { User } from '../../src/accounts/index.js';

// Cheap parameters keep these tests fast; the timing of a disabled login is in timing.test.ts.
const CHEAP = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery staple';
const ALICE = { email: 'alice@example.com', password: PASSWORD };

describe('disabling and deleting accounts', () => {
  let clock: ManualClock;
  let store: MemoryUserStore;
  let accounts: Accounts;
  let alice: User;

  beforeEach(async () => {
    clock = new ManualClock();
    store = new MemoryUserStore();
    accounts = new Accounts(store, { argon2id: CHEAP, clock: clock.now });
    alice = await accounts.register(ALICE);
  });

  it('a disabled account cannot log in, even with the right password', async () => {
    clock.advanceSeconds(60);

    assert.equal(await accounts.disableUser(alice.id), true);

    assert.equal(await accounts.authenticate(ALICE), null);
    assert.equal(await accounts.authenticate({ ...ALICE, password: 'a wrong guess' }), null);
  });

  it('records when the account was disabled, from the clock', async () => {
    clock.advanceSeconds(60);
    await accounts.disableUser(alice.id);

    const user = await accounts.getUser(alice.id);
    assert.equal(user?.disabledAt?.getTime(), clock.now());
    assert.deepEqual(await accounts.listUsers(), [user]);
  });

  it('an enabled account logs in again, and reads as enabled', async () => {
    await accounts.disableUser(alice.id);

    assert.equal(await accounts.enableUser(alice.id), true);

    const { credentialStamp, ...user } = (await accounts.authenticate(ALICE)) ?? {};
    assert.deepEqual(user, alice);
    assert.equal(typeof credentialStamp, 'string');
    assert.equal((await accounts.getUser(alice.id))?.disabledAt, null);
  });

  it('a disabled account is not rehashed by a login it refuses', async () => {
    await accounts.disableUser(alice.id);
    const before = await store.findUserById(alice.id);
    const upgraded = new Accounts(store, { argon2id: { ...CHEAP, timeCost: 2 } });

    assert.equal(await upgraded.authenticate(ALICE), null);

    assert.equal((await store.findUserById(alice.id))?.passwordHash, before?.passwordHash);
  });

  it('disabling, enabling or deleting an unknown id returns false', async () => {
    assert.equal(await accounts.disableUser('no-such-id'), false);
    assert.equal(await accounts.enableUser('no-such-id'), false);
    assert.equal(await accounts.deleteUser('no-such-id'), false);

    assert.deepEqual(await accounts.listUsers(), [alice]);
  });

  it('a deleted account is gone: no login, no lookup, and its email is free', async () => {
    assert.equal(await accounts.deleteUser(alice.id), true);

    assert.equal(await accounts.getUser(alice.id), null);
    assert.equal(await accounts.authenticate(ALICE), null);
    assert.equal(await accounts.deleteUser(alice.id), false);
    const again = await accounts.register(ALICE);
    assert.notEqual(again.id, alice.id);
  });
});
