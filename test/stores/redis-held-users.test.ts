import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { StoreUnavailableError } from '../../src/errors.js';
import { makeSession, makeUser } from '../../src/stores/conformance/fixtures.js';
import {
  RedisSessionStore,
  RedisUserStore,
  openRedisStores,
} from '../../src/stores/redis/index.js';
import { deleteKeysWithPrefix, findRedis, uniqueTestName } from '../support/shared-stores.js';

import type { SessionRecord } from '../../src/session/types.js';

const HOUR_MS = 3_600_000;
const found = await findRedis();

if ('skip' in found) {
  void it('Redis: a session read with its user', { skip: found.skip }, () => undefined);
} else {
  // Two servers on one Redis: each its own client, as two processes would have.
  const here = await openRedisStores(found.url);
  const there = await openRedisStores(found.url);
  after(async () => {
    await here.close();
    await there.close();
  });
  const client = here.client;

  const withStores = async (
    test: (stores: {
      keyPrefix: string;
      sessions: RedisSessionStore;
      users: RedisUserStore;
      otherUsers: RedisUserStore;
      session: SessionRecord;
    }) => Promise<void>,
  ): Promise<void> => {
    const keyPrefix = uniqueTestName();
    const sessions = new RedisSessionStore(client, { keyPrefix });
    const users = new RedisUserStore(client, { keyPrefix });
    const otherUsers = new RedisUserStore(there.client, { keyPrefix });
    const now = Date.now();
    const session = makeSession(1, 'user-1', {
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      idleExpiresAt: new Date(now + HOUR_MS),
      absoluteExpiresAt: new Date(now + 24 * HOUR_MS),
    });
    try {
      await users.insertUser(makeUser(1));
      await sessions.insertSession(session);
      await test({ keyPrefix, sessions, users, otherUsers, session });
    } finally {
      await deleteKeysWithPrefix(client, keyPrefix);
    }
  };

  /** The names of the commands `client` sends while `run` runs. */
  const commandsSentDuring = async (run: () => Promise<void>): Promise<string[]> => {
    const names: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, stream) => {
      names.push(command.name);
      return send(command, stream);
    };
    try {
      await run();
    } finally {
      client.sendCommand = send;
    }
    return names;
  };

  void describe('Redis: a session read with its user', () => {
    void it('checks a session and reads its user in two commands, not three', () =>
      withStores(async ({ sessions, users, session }) => {
        // Once first, so that the script is known to Redis and no EVAL fallback is counted.
        await sessions.findSessionByTokenHash(session.tokenHash);
        await nextTurn();
        const sent = await commandsSentDuring(async () => {
          const found = await sessions.findSessionByTokenHash(session.tokenHash);
          assert.equal(found?.id, session.id);
          assert.deepEqual(await users.findUserById(found.userId), makeUser(1));
        });
        assert.deepEqual(sent, ['get', 'evalsha']);
      }));

    void it('stale user: a user disabled by another server is seen from the next turn on', () =>
      withStores(async ({ sessions, users, otherUsers, session }) => {
        assert.notEqual(await sessions.findSessionByTokenHash(session.tokenHash), null);
        await nextTurn();
        await otherUsers.setUserDisabled('user-1', new Date());
        const user = await users.findUserById('user-1');
        assert.notEqual(user?.disabledAt ?? null, null, 'the user read with the session expired');
      }));

    void it('stale user: a disable sent by this process is seen by a lookup sent after it', () =>
      withStores(async ({ sessions, users, session }) => {
        assert.notEqual(await sessions.findSessionByTokenHash(session.tokenHash), null);
        // Still in the turn that read the session and its user.
        const disabling = users.setUserDisabled('user-1', new Date());
        const user = await users.findUserById('user-1');
        assert.equal(await disabling, true);
        assert.notEqual(user?.disabledAt ?? null, null);
      }));

    void it('hands each caller a user of its own', () =>
      withStores(async ({ sessions, users, session }) => {
        assert.notEqual(await sessions.findSessionByTokenHash(session.tokenHash), null);
        const first = await users.findUserById('user-1');
        assert.ok(first !== null);
        first.email = 'changed@example.com';
        assert.deepEqual(await users.findUserById('user-1'), makeUser(1));
      }));

    void it('finds a session whose user key is not a hash; the user lookup alone fails', () =>
      withStores(async ({ keyPrefix, sessions, users, session }) => {
        // The store also holds sessions for users kept elsewhere, whose keys it does not own.
        await client.del(`${keyPrefix}:{u:user-1}:user`);
        await client.set(`${keyPrefix}:{u:user-1}:user`, 'not a hash');
        await nextTurn();
        assert.equal((await sessions.findSessionByTokenHash(session.tokenHash))?.id, session.id);
        await assert.rejects(users.findUserById('user-1'), StoreUnavailableError);
      }));
  });
}
