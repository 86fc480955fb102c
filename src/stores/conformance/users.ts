import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MINUTE_MS, at, makeUser } from './fixtures.js';
import { assertRejectsWithCode, withStores } from './harness.js';

import type { ConformanceStoreFactory } from './harness.js';

/** Registers the tests of a `UserStore`. */
export function describeUserTests(makeStores: ConformanceStoreFactory): void {
  const test = (name: string, body: Parameters<typeof withStores>[1]): void => {
    void it(name, () => withStores(makeStores, body));
  };

  void describe('users', () => {
    test('finds an inserted user by email and by id, date to the millisecond', async ({
      users,
    }) => {
      const user = makeUser(1, { createdAt: at(MINUTE_MS + 1) });
      await users.insertUser(user);

      assert.deepEqual(await users.findUserByEmail(user.email), user);
      assert.deepEqual(await users.findUserById(user.id), user);
    });

    test('finds no user for an unknown email or id', async ({ users }) => {
      await users.insertUser(makeUser(1));

      assert.equal(await users.findUserByEmail('nobody@example.com'), null);
      assert.equal(await users.findUserById('user-unknown'), null);
    });

    test('refuses a second account with a taken email as EMAIL_TAKEN', async ({ users }) => {
      const first = makeUser(1);
      await users.insertUser(first);

      await assertRejectsWithCode(
        users.insertUser(makeUser(2, { email: first.email })),
        'EMAIL_TAKEN',
      );

      assert.deepEqual(await users.findUserByEmail(first.email), first);
      assert.equal(await users.findUserById('user-2'), null);
    });

    test('lists every user, oldest first', async ({ users }) => {
      const [oldest, middle, newest] = [makeUser(1), makeUser(2), makeUser(3)];
      for (const user of [newest, oldest, middle]) await users.insertUser(user);

      assert.deepEqual(await users.listUsers(), [oldest, middle, newest]);
    });

    test('replaces the password hash of that user only', async ({ users }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));
      const rehashed = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$rehashed';

      assert.equal(await users.updatePasswordHash('user-1', rehashed), true);
      // A user deleted meanwhile: nothing is written, and nothing half-made is left behind.
      assert.equal(await users.updatePasswordHash('user-unknown', rehashed), false);

      assert.equal((await users.findUserById('user-1'))?.passwordHash, rehashed);
      assert.deepEqual(await users.findUserById('user-2'), makeUser(2));
      assert.equal(await users.findUserById('user-unknown'), null);
      assert.equal((await users.listUsers()).length, 2);
    });

    test('a password write checked against a hash writes only while it is still that one', async ({
      users,
    }) => {
      const user = makeUser(1);
      await users.insertUser(user);
      const changed = '$argon2id$v=19$m=19456,t=2,p=1$Y2hhbmdlZA$Y2hhbmdlZA';
      const rehashed = '$argon2id$v=19$m=65536,t=3,p=4$cmVoYXNo$cmVoYXNo';

      // A password change landed after a login checked the old hash: its rehash is not written.
      assert.equal(await users.updatePasswordHash(user.id, changed), true);
      const stale = { passwordHash: user.passwordHash };
      assert.equal(await users.updatePasswordHash(user.id, rehashed, stale), false);
      assert.equal((await users.findUserById(user.id))?.passwordHash, changed);

      assert.equal(
        await users.updatePasswordHash(user.id, rehashed, { passwordHash: changed }),
        true,
      );
      assert.equal((await users.findUserById(user.id))?.passwordHash, rehashed);
      assert.equal(await users.updatePasswordHash('user-unknown', rehashed, stale), false);
      assert.equal(await users.findUserById('user-unknown'), null);
    });

    test('gives that user another email: found by it, no longer by the old one', async ({
      users,
    }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));

      assert.equal(await users.updateUserEmail('user-1', 'moved@example.com'), true);

      const moved = { ...makeUser(1), email: 'moved@example.com' };
      assert.deepEqual(await users.findUserByEmail('moved@example.com'), moved);
      assert.deepEqual(await users.findUserById('user-1'), moved);
      assert.equal(await users.findUserByEmail('user1@example.com'), null);
      assert.deepEqual(await users.listUsers(), [moved, makeUser(2)]);
      // The old email is free for a new account at once.
      const next = makeUser(3, { email: 'user1@example.com' });
      await users.insertUser(next);
      assert.deepEqual(await users.findUserByEmail('user1@example.com'), next);
    });

    test('refuses an email another user has as EMAIL_TAKEN, changing nothing', async ({
      users,
    }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));

      await assertRejectsWithCode(
        users.updateUserEmail('user-1', 'user2@example.com'),
        'EMAIL_TAKEN',
      );

      assert.deepEqual(await users.findUserById('user-1'), makeUser(1));
      assert.deepEqual(await users.findUserByEmail('user1@example.com'), makeUser(1));
      assert.deepEqual(await users.findUserByEmail('user2@example.com'), makeUser(2));
    });

    test('moves the email only while the email and hash are the ones given', async ({ users }) => {
      const user = makeUser(1);
      await users.insertUser(user);
      const read = { email: user.email, passwordHash: user.passwordHash };
      await users.updatePasswordHash('user-1', `${user.passwordHash}-changed`);

      assert.equal(await users.updateUserEmail('user-1', 'late@example.com', read), false);
      assert.equal((await users.findUserById('user-1'))?.email, 'user1@example.com');
      assert.equal(await users.findUserByEmail('late@example.com'), null);
      await users.insertUser(makeUser(2, { email: 'late@example.com' }));

      const current = { email: user.email, passwordHash: `${user.passwordHash}-changed` };
      assert.equal(await users.updateUserEmail('user-1', 'first@example.com', current), true);
      // A second change read before the first was written: the first stands, whether it names
      // another email or the same one.
      assert.equal(await users.updateUserEmail('user-1', 'second@example.com', current), false);
      assert.equal(await users.updateUserEmail('user-1', 'first@example.com', current), false);
      assert.equal((await users.findUserById('user-1'))?.email, 'first@example.com');
      assert.equal(await users.findUserByEmail('second@example.com'), null);
      await users.insertUser(makeUser(3, { email: 'second@example.com' }));
    });

    test('moves no email for an unknown user, and holds none for it', async ({ users }) => {
      assert.equal(await users.updateUserEmail('user-unknown', 'ghost@example.com'), false);

      assert.equal(await users.findUserByEmail('ghost@example.com'), null);
      await users.insertUser(makeUser(1, { email: 'ghost@example.com' }));
      assert.deepEqual(
        await users.findUserByEmail('ghost@example.com'),
        makeUser(1, { email: 'ghost@example.com' }),
      );
    });

    test('an email moved away and back is found again, and the one between is freed', async ({
      users,
    }) => {
      await users.insertUser(makeUser(1));

      assert.equal(await users.updateUserEmail('user-1', 'between@example.com'), true);
      assert.equal(await users.updateUserEmail('user-1', 'user1@example.com'), true);

      assert.deepEqual(await users.findUserByEmail('user1@example.com'), makeUser(1));
      assert.equal(await users.findUserByEmail('between@example.com'), null);
      await users.insertUser(makeUser(2, { email: 'between@example.com' }));
    });

    test('keeps the time an account was disabled on every read, to the millisecond', async ({
      users,
    }) => {
      const disabled = makeUser(1, { disabledAt: at(2 * MINUTE_MS + 3) });
      await users.insertUser(disabled);

      assert.deepEqual(await users.findUserById(disabled.id), disabled);
      assert.deepEqual(await users.findUserByEmail(disabled.email), disabled);
      assert.deepEqual(await users.listUsers(), [disabled]);
    });

    test('disables and re-enables that account only', async ({ users }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));

      assert.equal(await users.setUserDisabled('user-1', at(MINUTE_MS + 9)), true);
      assert.deepEqual(
        await users.findUserById('user-1'),
        makeUser(1, { disabledAt: at(MINUTE_MS + 9) }),
      );
      assert.deepEqual(await users.findUserById('user-2'), makeUser(2));

      assert.equal(await users.setUserDisabled('user-1', null), true);
      assert.deepEqual(await users.listUsers(), [makeUser(1), makeUser(2)]);
    });

    test('disabling or enabling a missing user returns false and creates nothing', async ({
      users,
    }) => {
      assert.equal(await users.setUserDisabled('user-unknown', at(0)), false);
      assert.equal(await users.setUserDisabled('user-unknown', null), false);

      assert.deepEqual(await users.listUsers(), []);
    });

    test('deletes that user only, and frees the email', async ({ users }) => {
      await users.insertUser(makeUser(1));
      await users.insertUser(makeUser(2));

      assert.equal(await users.deleteUser('user-1'), true);

      assert.equal(await users.findUserById('user-1'), null);
      assert.equal(await users.findUserByEmail(makeUser(1).email), null);
      assert.deepEqual(await users.listUsers(), [makeUser(2)]);
      const again = makeUser(3, { email: makeUser(1).email });
      await users.insertUser(again);
      assert.deepEqual(await users.findUserByEmail(again.email), again);
    });

    test('deleting a missing user returns false', async ({ users }) => {
      await users.insertUser(makeUser(1));

      assert.equal(await users.deleteUser('user-unknown'), false);
      assert.equal(await users.deleteUser('user-1'), true);
      assert.equal(await users.deleteUser('user-1'), false);
    });

    test('a deletion checked against a hash deletes only while it is still that one', async ({
      users,
    }) => {
      const user = makeUser(1);
      await users.insertUser(user);
      await users.insertUser(makeUser(2));
      // The owner changed the password after the deletion was checked: the change wins.
      await users.updatePasswordHash(user.id, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3');

      assert.equal(await users.deleteUser(user.id, { passwordHash: user.passwordHash }), false);
      assert.notEqual(await users.findUserById(user.id), null);
      assert.equal(
        await users.deleteUser(user.id, {
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3',
        }),
        true,
      );
      assert.equal(await users.findUserById(user.id), null);
      assert.equal(await users.findUserByEmail(user.email), null);
      assert.deepEqual(await users.listUsers(), [makeUser(2)]);
      assert.equal(await users.deleteUser('user-unknown', { passwordHash: 'x' }), false);
    });
  });
}
