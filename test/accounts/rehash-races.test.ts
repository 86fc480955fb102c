import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { MemoryUserStore } from '../../src/stores/memory/index.js';

// Cheap parameters keep these tests fast; a hash made with OLD needs a rehash under NEW.
const OLD = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };
const NEW = { memoryCostKib: 256, timeCost: 2, parallelism: 1 };
const PASSWORD = 'correct horse battery staple';
const CHANGED = 'a brand new pass phrase';

/** A user whose hash is due for a rehash, and a store whose next password write runs `first`. */
async function dueForRehash(first: (accounts: Accounts, id: string) => Promise<unknown>) {
  const store = new MemoryUserStore();
  const user = await new Accounts(store, { argon2id: OLD }).register({
    email: 'rae@example.com',
    password: PASSWORD,
  });
  const accounts = new Accounts(store, { argon2id: NEW });
  const save = store.updatePasswordHash.bind(store);
  let intercepted = false;
  store.updatePasswordHash = async (id, hash, expected) => {
    if (!intercepted) {
      intercepted = true;
      await first(accounts, id);
    }
    return save(id, hash, expected);
  };
  return { store, user, accounts };
}

describe('a rehash at login', () => {
  it('password reversion: a rehash does not undo a password change made meanwhile', async () => {
    // The owner changes the password after the login verified the old one, before its rehash is
    // written: the rehash of the old password must not overwrite the new hash.
    const { accounts, user } = await dueForRehash((owner, id) =>
      owner.changePassword(id, { currentPassword: PASSWORD, newPassword: CHANGED }),
    );

    const login = await accounts.authenticate({ email: user.email, password: PASSWORD });

    assert.equal(login, null, 'the login proved a password that is no longer the account’s');
    assert.equal(await accounts.authenticate({ email: user.email, password: PASSWORD }), null);
    const withNew = await accounts.authenticate({ email: user.email, password: CHANGED });
    assert.equal(withNew?.id, user.id);
  });

  it('two logins rehashing at once both succeed, the second on the first one’s hash', async () => {
    const seen: { other: Awaited<ReturnType<Accounts['authenticate']>> } = { other: null };
    const { accounts, user, store } = await dueForRehash(async (second) => {
      seen.other = await second.authenticate({ email: 'rae@example.com', password: PASSWORD });
    });

    const login = await accounts.authenticate({ email: user.email, password: PASSWORD });

    assert.ok(login);
    assert.equal(login.id, user.id);
    assert.equal(seen.other?.id, user.id);
    const now = await store.findUserById(user.id);
    assert.equal(login.credentialStamp, await accounts.credentialStampOf(user.id));
    assert.match(now?.passwordHash ?? '', /t=2/);
  });

  it('a login whose account is deleted before its rehash is written is refused', async () => {
    const { accounts, user, store } = await dueForRehash((_, id) => store.deleteUser(id));

    assert.equal(await accounts.authenticate({ email: user.email, password: PASSWORD }), null);
    assert.equal(await store.findUserById(user.id), null);
  });
});
