import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import { makeBinding, makeUser } from '../../src/stores/conformance/fixtures.js';
import {
  DEFAULT_REDIS_OPTIONS,
  RedisSessionStore,
  RedisUserStore,
} from '../../src/stores/redis/index.js';
import { TrackedReads } from '../../src/stores/redis/tracked-reads.js';
import {
  commandsDuring,
  connectionId,
  outcomeOf,
  socketHandle,
  watchedClient,
  whenReady,
} from '../support/redis-connections.js';
import {
  deleteKeysWithPrefix,
  findRedis,
  liveSession,
  uniqueTestName,
  withStores,
} from '../support/shared-stores.js';

import type { SessionRecord } from '../../src/session/types.js';

// Sessions and users kept in memory under Redis's client-side caching: server A reads through
// tracked reads, server B (a plain client) changes things, and A must never serve what B has
// already changed.
const found = await findRedis();

if ('skip' in found) {
  void it('Redis tracked reads', { skip: found.skip }, () => undefined);
} else {
  const name = `lk-${uniqueTestName()}`;
  const client = new Redis(found.url, {
    ...DEFAULT_REDIS_OPTIONS,
    connectionName: name,
    replyMapping: 'legacy',
  });
  const other = new Redis(found.url, { ...DEFAULT_REDIS_OPTIONS, replyMapping: 'legacy' });
  await whenReady(client);
  // Every test's key prefix starts with this file's, the one the shared reads watch.
  const root = uniqueTestName();
  let tests = 0;
  const reads = new TrackedReads(client, { prefix: root });
  await reads.start();
  after(async () => {
    await reads.close();
    await Promise.all([client.quit(), other.quit()]);
  });

  const fresh = () => {
    tests += 1;
    const keyPrefix = `${root}_${String(tests)}`;
    return {
      keyPrefix,
      // Server A keeps what it reads; server B shares the store without keeping anything.
      sessions: new RedisSessionStore(client, { keyPrefix }, reads),
      users: new RedisUserStore(client, { keyPrefix }, reads),
      b: {
        sessions: new RedisSessionStore(other, { keyPrefix }),
        users: new RedisUserStore(other, { keyPrefix }),
      },
      close: async () => {
        await deleteKeysWithPrefix(client, keyPrefix);
      },
    };
  };
  type Stores = ReturnType<typeof fresh>;
  const withFresh = (test: (stores: ReturnType<typeof fresh>) => Promise<void>) =>
    withStores(fresh, test);
  /** Found twice through A, so that the second comes from memory. */
  const keep = async (sessions: RedisSessionStore, session: SessionRecord) => {
    for (let time = 0; time < 2; time += 1) {
      assert.equal((await sessions.findSessionByTokenHash(session.tokenHash))?.id, session.id);
    }
  };
  const waitUntilLive = async () => {
    for (let attempt = 0; attempt < 100 && !reads.live; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(reads.live, true, 'tracking is on again within 5 s');
  };
  /** Stores on a connection of their own, whose second connection the test can reach. */
  const ownStores = async (options: { maxEntries?: number } = {}) => {
    const ownName = `lk-${uniqueTestName()}`;
    const { client: own, duplicates } = watchedClient(found.url, {
      ...DEFAULT_REDIS_OPTIONS,
      connectionName: ownName,
      replyMapping: 'legacy',
    });
    await whenReady(own);
    const keyPrefix = uniqueTestName();
    const ownReads = new TrackedReads(own, { prefix: `${keyPrefix}:`, ...options });
    await ownReads.start();
    const listener = duplicates[0];
    assert.ok(listener !== undefined);
    return {
      name: ownName,
      client: own,
      listener,
      reads: ownReads,
      keyPrefix,
      sessions: new RedisSessionStore(own, { keyPrefix }, ownReads),
      users: new RedisUserStore(own, { keyPrefix }, ownReads),
      close: async () => {
        await deleteKeysWithPrefix(other, keyPrefix);
        await ownReads.close();
        own.disconnect();
      },
    };
  };

  describeSessionStoreConformance('Redis store with tracked reads', () => {
    const { sessions, users, close } = fresh();
    return Promise.resolve({ sessions, users, close });
  });

  void describe('Redis tracked reads', () => {
    void it('serves a kept session and its user without reading Redis again', () =>
      withFresh(async ({ keyPrefix, sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1);
        await sessions.insertSession(session);
        await keep(sessions, session);
        await users.findUserById('user-1');
        const seen = await commandsDuring(client, other, keyPrefix, async () => {
          for (let time = 0; time < 20; time += 1) {
            assert.equal(
              (await sessions.findSessionByTokenHash(session.tokenHash))?.id,
              'session-1',
            );
            assert.equal((await users.findUserById('user-1'))?.email, 'user1@example.com');
          }
        });
        assert.deepEqual(seen, []);
      }));

    void it('hands out copies: changing a found session or user changes nothing kept', () =>
      withFresh(async ({ sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1, 'user-1', { binding: makeBinding(1) });
        await sessions.insertSession(session);
        await keep(sessions, session);
        await users.findUserById('user-1');
        for (let time = 0; time < 2; time += 1) {
          const found = await sessions.findSessionByTokenHash(session.tokenHash);
          const user = await users.findUserById('user-1');
          assert.deepEqual(found, session);
          assert.deepEqual(user, makeUser(1));
          assert.ok(found.binding);
          found.idleExpiresAt.setTime(0);
          found.binding.publicKey.x = 'changed';
          found.binding.boundAt.setTime(0);
          user.createdAt.setTime(0);
        }
      }));

    for (const [attack, revoke] of [
      [
        'revoked through another server',
        (b: Stores['b'], _: string, session: SessionRecord) => b.sessions.deleteSession(session.id),
      ],
      [
        'whose hash any client deleted',
        (_: Stores['b'], keyPrefix: string, session: SessionRecord) =>
          other.unlink(`${keyPrefix}:{u:user-1}:s:${session.id}`),
      ],
    ] as const) {
      void it(`refuses a session ${attack} from the next lookup on (a stale kept session)`, () =>
        withFresh(async ({ keyPrefix, sessions, users, b }) => {
          await users.insertUser(makeUser(1));
          for (let n = 1; n <= 50; n += 1) {
            const session = liveSession(n);
            await b.sessions.insertSession(session);
            await keep(sessions, session);
            await revoke(b, keyPrefix, session);
            const found = await sessions.findSessionByTokenHash(session.tokenHash);
            assert.equal(found, null, `round ${String(n)}`);
          }
        }));
    }

    void it('refuses the old token of a session rotated through another server at once', () =>
      withFresh(async ({ sessions, b }) => {
        const session = liveSession(1);
        await b.sessions.insertSession(session);
        await keep(sessions, session);
        const next = liveSession(2);
        assert.equal(await b.sessions.replaceSession(session.id, next), true);
        assert.equal(await sessions.findSessionByTokenHash(session.tokenHash), null);
        assert.equal((await sessions.findSessionByTokenHash(next.tokenHash))?.id, 'session-2');
      }));

    void it('refuses every session of a user logged out everywhere through another server', () =>
      withFresh(async ({ sessions, b }) => {
        const kept = [liveSession(1), liveSession(2), liveSession(3)];
        for (const session of kept) {
          await b.sessions.insertSession(session);
          await keep(sessions, session);
        }
        assert.equal(await b.sessions.deleteUserSessions('user-1'), 3);
        for (const session of kept) {
          assert.equal(await sessions.findSessionByTokenHash(session.tokenHash), null);
        }
      }));

    void it('sees a disabled or deleted user at once (a stale kept account)', () =>
      withFresh(async ({ users, b }) => {
        await b.users.insertUser(makeUser(1));
        await users.findUserById('user-1');
        assert.equal((await users.findUserById('user-1'))?.disabledAt, null);
        const disabledAt = new Date();
        assert.equal(await b.users.setUserDisabled('user-1', disabledAt), true);
        assert.equal(
          (await users.findUserById('user-1'))?.disabledAt?.getTime(),
          disabledAt.getTime(),
        );
        assert.equal(await b.users.deleteUser('user-1'), true);
        assert.equal(await users.findUserById('user-1'), null);
      }));

    void it('sees a session renewed through another server (its new idle expiry)', () =>
      withFresh(async ({ sessions, b }) => {
        const session = liveSession(1);
        await b.sessions.insertSession(session);
        await keep(sessions, session);
        const lastSeenAt = new Date(session.lastSeenAt.getTime() + 60_000);
        const idleExpiresAt = new Date(session.idleExpiresAt.getTime() + 60_000);
        await b.sessions.touchSession(session.id, lastSeenAt, idleExpiresAt);
        const found = await sessions.findSessionByTokenHash(session.tokenHash);
        assert.equal(found?.lastSeenAt.getTime(), lastSeenAt.getTime());
        assert.equal(found.idleExpiresAt.getTime(), idleExpiresAt.getTime());
      }));

    void it('shares one PING among the lookups of one event-loop turn', () =>
      withFresh(async ({ sessions, users }) => {
        await users.insertUser(makeUser(1));
        const session = liveSession(1);
        await sessions.insertSession(session);
        await keep(sessions, session);
        await users.findUserById('user-1');
        const listener = await connectionId(other, `${name}-invalidations`);
        const monitor = await client.monitor();
        const pings: string[] = [];
        const addresses = new Map<string, string>();
        for (const line of String(await other.client('LIST')).split('\n')) {
          const [, id, address] = /^id=(\d+) addr=(\S+)/.exec(line) ?? [];
          if (id !== undefined && address !== undefined) addresses.set(address, id);
        }
        monitor.on('monitor', (_time: string, args: string[], source: string) => {
          if (args[0]?.toLowerCase() === 'ping' && addresses.get(source) === listener) {
            pings.push(source);
          }
        });
        try {
          await other.ping();
          // 50 requests read in one turn, each looking up its session and then its user.
          const found = await Promise.all(
            Array.from({ length: 50 }, async () => {
              const record = await sessions.findSessionByTokenHash(session.tokenHash);
              return record === null ? null : users.findUserById(record.userId);
            }),
          );
          assert.equal(found.filter((user) => user?.id === 'user-1').length, 50);
          await other.ping();
          await new Promise((resolve) => setTimeout(resolve, 50));
        } finally {
          monitor.disconnect();
        }
        assert.equal(pings.length, 1);
      }));

    for (const [connection, suffix] of [
      ["its invalidations' connection (a lost invalidation)", '-invalidations'],
      ["the stores' connection", ''],
    ] as const) {
      void it(`refuses a session revoked while and after ${connection} was lost`, () =>
        withFresh(async ({ sessions, b }) => {
          const first = liveSession(1);
          await b.sessions.insertSession(first);
          await keep(sessions, first);
          await other.client('KILL', 'ID', await connectionId(other, `${name}${suffix}`));
          // Revoked before the connection is back. Refused, or 503 while the stores'
          // connection is away: never the session.
          await b.sessions.deleteSession(first.id);
          const outcome = await outcomeOf(sessions.findSessionByTokenHash(first.tokenHash));
          assert.ok(outcome === null || outcome === 'STORE_UNAVAILABLE', String(outcome));
          // Back again, with tracking on the new connection.
          for (let attempt = 0; attempt < 100 && client.status !== 'ready'; attempt += 1) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await waitUntilLive();
          const second = liveSession(2);
          await b.sessions.insertSession(second);
          await keep(sessions, second);
          await b.sessions.deleteSession(second.id);
          assert.equal(await sessions.findSessionByTokenHash(second.tokenHash), null);
        }));
    }

    void it('never keeps a hash changed while its read was on the way (a stale fill)', async () => {
      // The reading connection is held back (its socket paused) so that the invalidation of a
      // change made after the read ran in Redis is taken before the read's answer.
      const own = await ownStores();
      const key = `${own.keyPrefix}:h`;
      try {
        await other.hset(key, 'f', 'before');
        own.client.stream.pause();
        const read = own.reads.hmget(key, ['f']);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await other.hset(key, 'f', 'after');
        // Answered once the listener has taken every invalidation sent before its PING.
        await own.listener.ping();
        own.client.stream.resume();
        assert.deepEqual(await read, ['before']);
        assert.equal(own.reads.holds(key), false);
        assert.deepEqual(await own.reads.hmget(key, ['f']), ['after']);
        assert.equal(own.reads.holds(key), true);
      } finally {
        await own.close();
      }
    });

    void it('never serves kept sessions once the listener is gone, its close unseen', async () => {
      // Redis drops that connection's tracking with it; until its close is seen here, the
      // fence's PING on it is what tells.
      const own = await ownStores();
      try {
        await own.users.insertUser(makeUser(1));
        const session = liveSession(1);
        await own.sessions.insertSession(session);
        await keep(own.sessions, session);
        // Nothing more is read from its socket, so its close is not seen for now.
        socketHandle(own.listener).readStop();
        await other.client('KILL', 'ID', await connectionId(other, `${own.name}-invalidations`));
        await other.unlink(`${own.keyPrefix}:{u:user-1}:s:session-1`);
        const outcome = await outcomeOf(own.sessions.findSessionByTokenHash(session.tokenHash));
        assert.ok(outcome === null || outcome === 'STORE_UNAVAILABLE', String(outcome));
      } finally {
        socketHandle(own.listener).readStart();
        await own.close();
      }
    });

    void it('a user admitted by one lookup and never taken skips no later fence', async () => {
      // A session lookup lets its user through once, for the same request's user lookup. One
      // not taken (the request went no further) must not let a later lookup of that user skip
      // its own fence: with the invalidation held back on the listener's socket, only that
      // fence brings it in.
      const own = await ownStores();
      try {
        const user = makeUser(1);
        await own.users.insertUser(user);
        const session = liveSession(1);
        await own.sessions.insertSession(session);
        for (let time = 0; time < 2; time += 1) {
          await own.sessions.findSessionByTokenHash(session.tokenHash);
          await own.users.findUserById(user.id);
        }
        assert.equal(own.reads.holds(`${own.keyPrefix}:{u:${user.id}}:user`), true);
        // Admits the user; no user lookup follows in that run.
        await own.sessions.findSessionByTokenHash(session.tokenHash);
        socketHandle(own.listener).readStop();
        const elsewhere = new RedisUserStore(other, { keyPrefix: own.keyPrefix });
        assert.equal(await elsewhere.setUserDisabled(user.id, new Date()), true);
        const lookup = own.users.findUserById(user.id);
        setTimeout(() => {
          socketHandle(own.listener).readStart();
        }, 30);
        assert.notEqual(
          (await lookup)?.disabledAt ?? null,
          null,
          'the disabled user, not a kept one',
        );
      } finally {
        socketHandle(own.listener).readStart();
        await own.close();
      }
    });

    void it('refuses a revoked session of a user id holding a lone surrogate', () =>
      withFresh(async ({ sessions, b }) => {
        const userId = 'user-\uD800';
        const session = liveSession(1, userId);
        await b.sessions.insertSession(session);
        await sessions.findSessionByTokenHash(session.tokenHash);
        await sessions.findSessionByTokenHash(session.tokenHash);
        await b.sessions.deleteSession(session.id);
        assert.equal(await sessions.findSessionByTokenHash(session.tokenHash), null);
      }));

    void it('keeps at most its bound of hashes (memory)', async () => {
      const own = await ownStores({ maxEntries: 5 });
      const small = own.reads;
      const { keyPrefix } = own;
      try {
        const keys = Array.from({ length: 12 }, (_, n) => `${keyPrefix}:h${String(n)}`);
        for (const key of keys) {
          await other.hset(key, 'f', 'v');
          assert.deepEqual(await small.hmget(key, ['f']), ['v']);
        }
        assert.equal(keys.filter((key) => small.holds(key)).length, 5);
        assert.deepEqual(
          keys.slice(-5).map((key) => small.holds(key)),
          [true, true, true, true, true],
        );
      } finally {
        await own.close();
      }
    });
  });
}
