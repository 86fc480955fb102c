import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { makeBinding, makeUser } from '../../src/stores/conformance/fixtures.js';
import {
  DEFAULT_REDIS_OPTIONS,
  RedisSessionStore,
  RedisUserStore,
  openRedisStores,
} from '../../src/stores/redis/index.js';
import {
  deleteKeysWithPrefix,
  findRedis,
  liveSession,
  uniqueTestName,
  withStores,
} from '../support/shared-stores.js';
import { withCode } from './sqlite-helpers.js';

// One client for this file; each test gets a key prefix of its own, deleted after the test.
const found = await findRedis();

if ('skip' in found) {
  void it('Redis store conformance', { skip: found.skip }, () => undefined);
} else {
  const opened = await openRedisStores(found.url);
  const { client } = opened;
  after(() => opened.close());
  const freshStores = () => {
    const keyPrefix = uniqueTestName();
    return {
      keyPrefix,
      sessions: new RedisSessionStore(client, { keyPrefix }),
      users: new RedisUserStore(client, { keyPrefix }),
      close: async () => {
        await deleteKeysWithPrefix(client, keyPrefix);
      },
    };
  };
  const withFresh = (test: (stores: ReturnType<typeof freshStores>) => Promise<void>) =>
    withStores(freshStores, test);
  const keysOf = async (prefix: string) =>
    (await client.keys(`${prefix}:*`)).map((key) => key.slice(prefix.length + 1)).sort();

  describeSessionStoreConformance('Redis store', () => Promise.resolve(freshStores()));

  void describe('Redis store', () => {
    const HOUR_MS = 3_600_000;
    // Sessions on Redis's own clock (liveSession): expiries relative to now.

    void it('lays out a user, a session and a counter in the documented keys', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1);
        await sessions.insertSession(session);
        await sessions.incrementThrottle('login:a', new Date(), new Date(Date.now() + HOUR_MS));

        assert.deepEqual(await keysOf(keyPrefix), [
          'email:user1@example.com',
          'session-expiry',
          'sid:session-1',
          `token:${session.tokenHash}`,
          'users',
          `{${keyPrefix}:throttles}:expiry`,
          `{${keyPrefix}:throttles}:k:login:a`,
          '{u:user-1}:s:session-1',
          '{u:user-1}:sessions',
          '{u:user-1}:user',
        ]);
      }));

    void it('user enumeration by timing: a user is found by email in two round trips, always', () =>
      withFresh(async ({ keyPrefix, users }) => {
        await users.insertUser(makeUser(1));
        const counted = new Redis(found.url, { lazyConnect: true });
        await counted.connect();
        const commands: string[] = [];
        const send = counted.sendCommand.bind(counted);
        counted.sendCommand = (command, stream) => {
          commands.push(command.name);
          return send(command, stream);
        };
        try {
          const store = new RedisUserStore(counted, { keyPrefix });
          const sequence = async (email: string): Promise<string[]> => {
            commands.length = 0;
            await store.findUserByEmail(email);
            return [...commands];
          };
          assert.deepEqual(await sequence('user1@example.com'), ['get', 'hmget']);
          assert.deepEqual(await sequence('nobody@example.com'), ['get', 'hmget']);
          assert.equal(await store.findUserByEmail('nobody@example.com'), null);
        } finally {
          counted.disconnect();
        }
      }));

    void it('expires a session key at its earliest expiry, moved forward by a touch', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1);
        await sessions.insertSession(session);
        const expiryOf = (key: string) => client.pexpiretime(`${keyPrefix}:${key}`);
        const idle = session.idleExpiresAt.getTime();
        const absolute = session.absoluteExpiresAt.getTime();

        const withSession = [
          '{u:user-1}:s:session-1',
          'sid:session-1',
          `token:${session.tokenHash}`,
        ];
        const expiries = () => Promise.all(withSession.map(expiryOf));

        assert.deepEqual(await expiries(), [idle, idle, idle]);
        assert.equal(await expiryOf('{u:user-1}:sessions'), absolute);
        await sessions.touchSession(session.id, new Date(), new Date(idle + HOUR_MS));
        assert.deepEqual(await expiries(), [idle + HOUR_MS, idle + HOUR_MS, idle + HOUR_MS]);
        await sessions.touchSession(session.id, new Date(), new Date(idle));
        assert.deepEqual(await expiries(), [idle + HOUR_MS, idle + HOUR_MS, idle + HOUR_MS]);
        await sessions.touchSession(session.id, new Date(), new Date(absolute + HOUR_MS));
        assert.deepEqual(await expiries(), [absolute, absolute, absolute]);
        assert.equal(await expiryOf('{u:user-1}:user'), -1);
      }));

    void it('expires a throttle counter at its expiry', () =>
      withFresh(async ({ keyPrefix, sessions }) => {
        const expiresAt = Date.now() + HOUR_MS;
        await sessions.incrementThrottle('login:a', new Date(), new Date(expiresAt));

        const key = `${keyPrefix}:{${keyPrefix}:throttles}:k:login:a`;
        assert.equal(await client.pexpiretime(key), expiresAt);
      }));

    void it('drops a session already expired on its clock; the sweep clears the rest', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        await sessions.insertSession(liveSession(1));
        const past = Date.now() - 1_000;
        const dead = liveSession(2, 'user-1', { idleExpiresAt: new Date(past) });
        const keysBefore = await keysOf(keyPrefix);
        await sessions.insertSession(dead);

        assert.equal(await sessions.findSessionByTokenHash(dead.tokenHash), null);
        assert.equal(await sessions.findSessionById(dead.id), null);
        assert.equal(await sessions.deleteExpiredSessions(new Date(), 10), 1);
        assert.deepEqual(await keysOf(keyPrefix), keysBefore);
      }));

    void it('drops a sweep entry it did not write instead of failing every sweep', () =>
      withFresh(async ({ keyPrefix, sessions }) => {
        await client.zadd(`${keyPrefix}:session-expiry`, 0, 'not a session pointer');

        assert.equal(await sessions.deleteExpiredSessions(new Date(), 10), 0);

        assert.deepEqual(await keysOf(keyPrefix), []);
      }));

    void it('rotates a session to another user, whose keys live in another slot', () =>
      withFresh(async ({ sessions, users }) => {
        await users.insertUser(makeUser(1));
        await users.insertUser(makeUser(2));
        await sessions.insertSession(liveSession(1));
        const next = liveSession(2, 'user-2');

        assert.equal(await sessions.replaceSession('session-1', next), true);

        assert.equal(await sessions.findSessionById('session-1'), null);
        assert.deepEqual(await sessions.listUserSessions('user-1'), []);
        assert.deepEqual(await sessions.listUserSessions('user-2'), [next]);
        assert.equal(await sessions.replaceSession('session-1', liveSession(3, 'user-2')), false);
      }));

    void it('carries the binding over on a rotation to another user unless it brings one', () =>
      withFresh(async ({ sessions, users }) => {
        await users.insertUser(makeUser(1));
        await users.insertUser(makeUser(2));
        await sessions.insertSession(liveSession(1));
        await sessions.insertSession(liveSession(2));
        assert.equal(await sessions.bindSession('session-1', makeBinding(1)), true);
        assert.equal(await sessions.bindSession('session-2', makeBinding(2)), true);
        const carried = liveSession(3, 'user-2');
        const own = liveSession(4, 'user-2', { binding: makeBinding(4) });

        assert.equal(await sessions.replaceSession('session-1', carried), true);
        assert.equal(await sessions.replaceSession('session-2', own), true);

        assert.deepEqual(await sessions.findSessionById(carried.id), {
          ...carried,
          binding: makeBinding(1),
        });
        assert.deepEqual(await sessions.findSessionById(own.id), own);
        assert.equal(await sessions.findSessionById('session-1'), null);
      }));

    void it('deletes the sessions of a deleted user with it, lookups included', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        for (const n of [1, 2, 3]) await sessions.insertSession(liveSession(n));

        assert.equal(await users.deleteUser('user-1'), true);

        assert.deepEqual(await keysOf(keyPrefix), []);
      }));

    void it('takes over the email of a user deleted part-way', () =>
      withFresh(async ({ keyPrefix, users }) => {
        await users.insertUser(makeUser(1));
        // A deleteUser that failed after deleting the hash leaves the email lookup behind.
        await client.del(`${keyPrefix}:{u:user-1}:user`);
        const again = makeUser(2, { email: makeUser(1).email });

        await users.insertUser(again);

        assert.deepEqual(await users.findUserByEmail(again.email), again);
        assert.deepEqual(await users.listUsers(), [again]);
      }));

    void it('keeps a binding as JSON in the session hash field b, and none as no field', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        await sessions.insertSession(liveSession(1));
        await sessions.insertSession(liveSession(2, 'user-1', { binding: makeBinding(2) }));
        const hash = (id: string) => client.hgetall(`${keyPrefix}:{u:user-1}:s:${id}`);
        const { algorithm, publicKey, boundAt } = makeBinding(2);

        assert.equal((await hash('session-1')).b, undefined);
        assert.equal(
          (await hash('session-2')).b,
          JSON.stringify({ alg: algorithm, jwk: publicKey, boundAt: boundAt.getTime() }),
        );
      }));

    void it('keeps the session key’s expiry when it binds it', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1);
        await sessions.insertSession(session);
        const key = `${keyPrefix}:{u:user-1}:s:session-1`;

        assert.equal(await sessions.bindSession(session.id, makeBinding(1)), true);

        assert.equal(await client.pexpiretime(key), session.idleExpiresAt.getTime());
      }));

    void it('reports a stored binding it cannot read as STORE_UNAVAILABLE, never as unbound', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        const good = JSON.stringify({ alg: 'ES256', jwk: { kty: 'EC' }, boundAt: 7 });
        // What a bad manual edit could leave: each must fail the lookup rather than let the
        // session token alone authenticate a session that was bound.
        const malformed = [
          '',
          'not json',
          'null',
          '{}',
          good.slice(0, -1),
          good.replace('ES256', 'none'),
          good.replace('"kty":"EC"', '"kty":1'),
          `${good.slice(0, -1)},"extra":1}`,
        ];
        for (const [index, text] of malformed.entries()) {
          const session = liveSession(index + 1);
          await sessions.insertSession(session);
          await client.hset(`${keyPrefix}:{u:user-1}:s:${session.id}`, 'b', text);

          for (const lookup of [
            () => sessions.findSessionByTokenHash(session.tokenHash),
            () => sessions.findSessionById(session.id),
            () => sessions.listUserSessions('user-1'),
          ]) {
            await assert.rejects(lookup(), withCode('STORE_UNAVAILABLE'), JSON.stringify(text));
          }
          await sessions.deleteSession(session.id);
        }
      }));

    void it('refuses a key prefix with a brace, or an ioredis keyPrefix, naming the option', () => {
      const isPrefixError = (error: unknown) =>
        withCode('CONFIG_INVALID')(error) && (error as { option: string }).option === 'keyPrefix';
      for (const keyPrefix of ['', 'a{b', 'a}b']) {
        assert.throws(() => new RedisSessionStore(client, { keyPrefix }), isPrefixError);
      }
      const prefixed = new Redis(found.url, { lazyConnect: true, keyPrefix: 'app:' });
      assert.throws(() => new RedisUserStore(prefixed), isPrefixError);
      prefixed.disconnect();
    });

    void it('refuses a negative or fractional sweep limit rather than sweep all', async () => {
      const { sessions } = freshStores();
      for (const limit of [-1, 1.5, Number.NaN]) {
        await assert.rejects(sessions.deleteExpiredSessions(new Date(), limit), RangeError);
        await assert.rejects(sessions.deleteExpiredThrottles(new Date(), limit), RangeError);
      }
    });

    void it('opens its client with the documented timeouts and no offline queue', () => {
      const options = client.options as unknown as Record<string, unknown>;
      for (const [name, value] of Object.entries(DEFAULT_REDIS_OPTIONS)) {
        assert.equal(options[name], value, name);
      }
      assert.equal(options.enableOfflineQueue, false);
      assert.equal(options.commandTimeout, 2_000);
    });
  });
}
