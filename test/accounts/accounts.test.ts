import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { Accounts } from '../../src/accounts/index.js';
import { AccountError, ConfigError, StoreUnavailableError } from '../../src/errors.js';
import { hashPassword, verifyPassword } from '../../src/password/index.js';
import { MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';

import type { AccountErrorCode } from '../../src/errors.js';
import type { ExpectedUser, UserRecord, UserStore } from '../../src/accounts/index.js';

// Cheap parameters keep these tests fast; the cost itself is tested in test/password/.
const CHEAP = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery staple';

function accountError(code: AccountErrorCode): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof AccountError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

function storeUnavailable(error: unknown): true {
  assert.ok(error instanceof StoreUnavailableError, String(error));
  assert.equal(error.code, 'STORE_UNAVAILABLE');
  return true;
}

function configError(option: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.option, option);
    return true;
  };
}

/** A store that counts password updates and can be told to fail. */
class ProbeStore implements UserStore {
  readonly inner = new MemoryUserStore();
  readonly failing = new Set<keyof UserStore>();
  updates = 0;

  #check(operation: keyof UserStore): void {
    if (this.failing.has(operation)) {
      throw new StoreUnavailableError(operation, new Error('connection refused'));
    }
  }
  async insertUser(record: UserRecord): Promise<void> {
    this.#check('insertUser');
    await this.inner.insertUser(record);
  }
  async findUserByEmail(email: string): Promise<UserRecord | null> {
    this.#check('findUserByEmail');
    return this.inner.findUserByEmail(email);
  }
  async findUserById(id: string): Promise<UserRecord | null> {
    this.#check('findUserById');
    return this.inner.findUserById(id);
  }
  async listUsers(): Promise<UserRecord[]> {
    this.#check('listUsers');
    return this.inner.listUsers();
  }
  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    this.#check('updatePasswordHash');
    this.updates += 1;
    await this.inner.updatePasswordHash(id, passwordHash);
  }
  async updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean> {
    this.#check('updateUserEmail');
    return this.inner.updateUserEmail(id, email, expected);
  }
  async setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    this.#check('setUserDisabled');
    return this.inner.setUserDisabled(id, disabledAt);
  }
  async deleteUser(id: string): Promise<boolean> {
    this.#check('deleteUser');
    return this.inner.deleteUser(id);
  }
}

describe('Accounts', () => {
  let clock: ManualClock;
  let store: ProbeStore;
  let accounts: Accounts;

  beforeEach(() => {
    clock = new ManualClock();
    store = new ProbeStore();
    accounts = new Accounts(store, { argon2id: CHEAP, clock: clock.now });
  });

  describe('register', () => {
    it('creates an account with a normalized email, an Argon2id hash and the clock time', async () => {
      const user = await accounts.register({ email: '  Alice@Example.COM ', password: PASSWORD });
      assert.equal(user.email, 'alice@example.com');
      assert.equal(user.createdAt.getTime(), clock.now());
      assert.equal(user.disabledAt, null);

      const record = await store.findUserById(user.id);
      assert.ok(record);
      assert.equal(record.email, 'alice@example.com');
      assert.equal(record.disabledAt, null);
      assert.match(record.passwordHash, /^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
      assert.equal(await verifyPassword(record.passwordHash, PASSWORD), true);
    });

    it('never returns the password hash', async () => {
      const user = await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      assert.deepEqual(Object.keys(user).sort(), ['createdAt', 'disabledAt', 'email', 'id']);
      assert.equal(JSON.stringify(user).includes('argon2'), false);
    });

    it('gives 128-bit random ids as 26 lowercase base32 characters by default', async () => {
      const a = await accounts.register({ email: 'a@example.com', password: PASSWORD });
      const b = await accounts.register({ email: 'b@example.com', password: PASSWORD });
      assert.match(a.id, /^[a-z2-7]{26}$/);
      assert.notEqual(a.id, b.id);
    });

    it('takes an injected id generator', async () => {
      const injected = new Accounts(store, { argon2id: CHEAP, generateId: () => 'user-1' });
      const user = await injected.register({ email: 'a@example.com', password: PASSWORD });
      assert.equal(user.id, 'user-1');
    });

    it('refuses an invalid email with EMAIL_INVALID, before hashing anything', async () => {
      for (const email of ['', 'alice', 'alice@', 'a b@example.com', 'alice@gmail']) {
        await assert.rejects(
          accounts.register({ email, password: PASSWORD }),
          accountError('EMAIL_INVALID'),
        );
      }
      assert.deepEqual(await store.listUsers(), []);
    });

    it('refuses a short or long password with PASSWORD_TOO_SHORT or PASSWORD_TOO_LONG', async () => {
      const email = 'alice@example.com';
      await assert.rejects(
        accounts.register({ email, password: 'x'.repeat(7) }),
        accountError('PASSWORD_TOO_SHORT'),
      );
      await assert.rejects(
        accounts.register({ email, password: 'x'.repeat(257) }),
        accountError('PASSWORD_TOO_LONG'),
      );
      assert.deepEqual(await store.listUsers(), []);
    });

    it('applies a configured password policy', async () => {
      const strict = new Accounts(store, { argon2id: CHEAP, passwordPolicy: { minLength: 15 } });
      await assert.rejects(
        strict.register({ email: 'alice@example.com', password: 'x'.repeat(14) }),
        accountError('PASSWORD_TOO_SHORT'),
      );
      await strict.register({ email: 'alice@example.com', password: `${'x'.repeat(14)}y` });
    });

    it('refuses a second account for the same email, in any case, with EMAIL_TAKEN', async () => {
      await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      await assert.rejects(
        accounts.register({ email: 'ALICE@example.com', password: 'another password' }),
        accountError('EMAIL_TAKEN'),
      );
      assert.equal((await store.listUsers()).length, 1);
    });
  });

  describe('authenticate', () => {
    beforeEach(async () => {
      await accounts.register({ email: 'alice@example.com', password: PASSWORD });
    });

    it('returns the user for the right password, whatever the email case', async () => {
      const user = await accounts.authenticate({ email: 'Alice@EXAMPLE.com ', password: PASSWORD });
      assert.equal(user?.email, 'alice@example.com');
      assert.deepEqual(Object.keys(user).sort(), [
        'createdAt',
        'credentialStamp',
        'disabledAt',
        'email',
        'id',
      ]);
    });

    it('returns null alike for a wrong password, an unknown email and an invalid one', async () => {
      assert.equal(
        await accounts.authenticate({ email: 'alice@example.com', password: 'nope' }),
        null,
      );
      assert.equal(
        await accounts.authenticate({ email: 'bob@example.com', password: PASSWORD }),
        null,
      );
      assert.equal(
        await accounts.authenticate({ email: 'not an email', password: PASSWORD }),
        null,
      );
    });

    it('returns null, never throws, for credentials that are not strings', async () => {
      for (const [email, password] of [
        [null, PASSWORD],
        ['alice@example.com', null],
        [42, {}],
        [undefined, undefined],
      ]) {
        const credentials = { email, password } as unknown as { email: string; password: string };
        assert.equal(await accounts.authenticate(credentials), null);
      }
    });

    it('accepts the password typed in another Unicode form (NFKC)', async () => {
      await accounts.register({ email: 'jose@example.com', password: 'contrase\u00f1a segura' });
      const user = await accounts.authenticate({
        email: 'jose@example.com',
        password: 'contrasen\u0303a segura',
      });
      assert.equal(user?.email, 'jose@example.com');
    });

    it('does not rehash a hash made with the current parameters', async () => {
      await accounts.authenticate({ email: 'alice@example.com', password: PASSWORD });
      assert.equal(store.updates, 0);
    });

    it('rehashes on login when the parameters change, once, and the new hash verifies', async () => {
      const stronger = { memoryCostKib: 512, timeCost: 2, parallelism: 1 };
      const upgraded = new Accounts(store, { argon2id: stronger });

      assert.equal(
        await upgraded.authenticate({ email: 'alice@example.com', password: 'no' }),
        null,
      );
      assert.equal(store.updates, 0, 'a wrong password must not rehash');

      const user = await upgraded.authenticate({ email: 'alice@example.com', password: PASSWORD });
      assert.equal(user?.email, 'alice@example.com');
      assert.equal(store.updates, 1);
      const record = await store.findUserByEmail('alice@example.com');
      assert.match(record?.passwordHash ?? '', /^\$argon2id\$v=19\$m=512,t=2,p=1\$/);
      assert.equal(await verifyPassword(record?.passwordHash ?? '', PASSWORD), true);

      await upgraded.authenticate({ email: 'alice@example.com', password: PASSWORD });
      assert.equal(store.updates, 1, 'the new hash needs no further rehash');
    });

    it('rehashes a hash made with the older OWASP alternative parameters up to the default', async () => {
      const record = await store.findUserByEmail('alice@example.com');
      const legacy = await hashPassword(PASSWORD, { memoryCostKib: 12_288, timeCost: 3 });
      await store.updatePasswordHash(record!.id, legacy);
      store.updates = 0;

      const defaults = new Accounts(store);
      assert.ok(await defaults.authenticate({ email: 'alice@example.com', password: PASSWORD }));
      const after = await store.findUserByEmail('alice@example.com');
      assert.match(after?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal(store.updates, 1);
    });

    it('a stored hash that is corrupt logs nobody in, and does not throw', async () => {
      const record = await store.findUserByEmail('alice@example.com');
      const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
      const corrupt = `$argon2id$v=19$m=4294967295,t=1,p=1$${salt}$${'A'.repeat(43)}`;
      await store.updatePasswordHash(record!.id, corrupt);
      assert.equal(
        await accounts.authenticate({ email: 'alice@example.com', password: PASSWORD }),
        null,
      );
    });
  });

  describe('getUser and listUsers', () => {
    it('find users by id and list them oldest first, without hashes', async () => {
      const first = await accounts.register({ email: 'a@example.com', password: PASSWORD });
      clock.advanceSeconds(60);
      const second = await accounts.register({ email: 'b@example.com', password: PASSWORD });

      assert.deepEqual(await accounts.getUser(first.id), first);
      assert.equal(await accounts.getUser('no-such-id'), null);
      const listed = await accounts.listUsers();
      assert.deepEqual(listed, [first, second]);
      assert.equal(JSON.stringify(listed).includes('argon2'), false);
    });
  });

  describe('changeEmail and setUserEmail', () => {
    it('moves the account to the new email, normalized, once the password is proven', async () => {
      const user = await accounts.register({ email: 'alice@example.com', password: PASSWORD });

      const moved = await accounts.changeEmail(user.id, {
        currentPassword: PASSWORD,
        newEmail: ' Alice@Example.ORG ',
      });

      assert.deepEqual(moved, { ...user, email: 'alice@example.org' });
      assert.deepEqual(await accounts.getUser(user.id), moved);
      assert.equal(await accounts.getUserByEmail('alice@example.com'), null);
      const login = await accounts.authenticate({ email: 'alice@example.org', password: PASSWORD });
      assert.equal(login?.id, user.id);
    });

    it('changes nothing for a wrong password, a disabled account or an unknown one', async () => {
      const user = await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      const change = { currentPassword: 'not the password', newEmail: 'bob@example.com' };

      assert.equal(await accounts.changeEmail(user.id, change), null);
      // An account that is gone is not a wrong password (a race with its deletion).
      await assert.rejects(
        accounts.changeEmail('no-such-id', change),
        accountError('USER_NOT_FOUND'),
      );
      await accounts.disableUser(user.id);
      assert.equal(
        await accounts.changeEmail(user.id, { ...change, currentPassword: PASSWORD }),
        null,
      );
      assert.equal((await accounts.getUser(user.id))?.email, 'alice@example.com');
      assert.equal(await accounts.getUserByEmail('bob@example.com'), null);
    });

    it('refuses an invalid email before reading the account, and a taken or same one', async () => {
      const user = await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      await accounts.register({ email: 'bob@example.com', password: PASSWORD });
      store.failing.add('findUserById');
      await assert.rejects(
        accounts.changeEmail(user.id, { currentPassword: PASSWORD, newEmail: 'alice@' }),
        accountError('EMAIL_INVALID'),
      );
      store.failing.delete('findUserById');
      await assert.rejects(
        accounts.changeEmail(user.id, { currentPassword: PASSWORD, newEmail: 'BOB@example.com' }),
        accountError('EMAIL_TAKEN'),
      );
      await assert.rejects(
        accounts.setUserEmail(user.id, 'Alice@example.com'),
        accountError('EMAIL_UNCHANGED'),
      );
      assert.equal((await accounts.getUser(user.id))?.email, 'alice@example.com');
    });

    it('setUserEmail asks no password and returns null for an unknown user', async () => {
      const user = await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      await accounts.disableUser(user.id);

      const moved = await accounts.setUserEmail(user.id, 'alice@example.net');

      assert.ok(moved);
      assert.equal(moved.email, 'alice@example.net');
      assert.notEqual(moved.disabledAt, null, 'a disabled account stays disabled');
      assert.equal(await accounts.setUserEmail('no-such-id', 'carol@example.com'), null);
    });
  });

  describe('when the store fails', () => {
    const cases: [keyof UserStore, (a: Accounts) => Promise<unknown>][] = [
      ['insertUser', (a) => a.register({ email: 'new@example.com', password: PASSWORD })],
      [
        'findUserByEmail',
        (a) => a.authenticate({ email: 'alice@example.com', password: PASSWORD }),
      ],
      ['findUserById', (a) => a.getUser('any')],
      ['listUsers', (a) => a.listUsers()],
      ['setUserDisabled', (a) => a.disableUser('any')],
      [
        'updateUserEmail',
        async (a) => {
          const user = await a.register({ email: 'alice@example.com', password: PASSWORD });
          return a.setUserEmail(user.id, 'alice@example.org');
        },
      ],
      ['deleteUser', (a) => a.deleteUser('any')],
    ];
    for (const [operation, call] of cases) {
      it(`${operation} failing propagates StoreUnavailableError, never "no user"`, async () => {
        store.failing.add(operation);
        await assert.rejects(call(accounts), storeUnavailable);
      });
    }

    it('a failure saving the rehash fails the login rather than being swallowed', async () => {
      await accounts.register({ email: 'alice@example.com', password: PASSWORD });
      store.failing.add('updatePasswordHash');
      const upgraded = new Accounts(store, { argon2id: { ...CHEAP, timeCost: 2 } });
      await assert.rejects(
        upgraded.authenticate({ email: 'alice@example.com', password: PASSWORD }),
        storeUnavailable,
      );
    });
  });

  describe('configuration', () => {
    it('refuses invalid Argon2id parameters or password policy at construction, naming the option', () => {
      const cases = [
        [{ argon2id: { memoryCostKib: 0 } }, 'argon2id.memoryCostKib'],
        [{ argon2id: { timeCost: 100 } }, 'argon2id.timeCost'],
        [{ passwordPolicy: { maxLength: 32 } }, 'passwordPolicy.maxLength'],
        [{ passwordPolicy: { minLength: 0 } }, 'passwordPolicy.minLength'],
      ] as const;
      for (const [options, option] of cases) {
        assert.throws(() => new Accounts(store, options), configError(option));
      }
    });
  });
});
