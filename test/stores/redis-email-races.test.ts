import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { makeUser } from '../../src/stores/conformance/fixtures.js';
import { RedisKeys, RedisUserStore } from '../../src/stores/redis/index.js';
import { SETTLE_EMAIL } from '../../src/stores/redis/lua-accounts.js';
import { deleteKeysWithPrefix, findRedis, uniqueTestName } from '../support/shared-stores.js';

import type { Command } from 'ioredis';

const found = await findRedis();
const SETTLE_SHA = createHash('sha1').update(SETTLE_EMAIL).digest('hex');

/**
 * A client whose email changes stop between claiming the new email and giving it to the user,
 * until `resume()`: the window in which another server, on a slow link, may act.
 */
function pausingClient(url: string): {
  client: Redis;
  paused: Promise<void>;
  resume: () => void;
} {
  const client = new Redis(url, { lazyConnect: true });
  let resume = (): void => undefined;
  let reached = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    resume = resolve;
  });
  const paused = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    // EVALSHA sha numkeys key email mode
    const [sha, , , , mode] = command.args.map(String);
    if (command.name === 'evalsha' && sha === SETTLE_SHA && mode === 'move') {
      reached();
      void gate.then(() => send(command, ...(rest as [])));
      return command.promise;
    }
    return send(command, ...(rest as []));
  };
  return {
    client,
    paused,
    resume: () => {
      resume();
    },
  };
}

describe(
  'Redis: email changes racing on two servers',
  'skip' in found ? { skip: found.skip } : {},
  () => {
    let prefix = '';
    let fast: Redis;
    const opened: Redis[] = [];

    before(async () => {
      if (!('url' in found)) return;
      fast = new Redis(found.url);
      opened.push(fast);
      await fast.ping();
    });
    after(async () => {
      for (const client of opened) client.disconnect();
      await Promise.resolve();
    });

    const stores = async () => {
      if (!('url' in found)) throw new Error('no Redis');
      prefix = uniqueTestName();
      const slow = pausingClient(found.url);
      opened.push(slow.client);
      await slow.client.connect();
      const store = new RedisUserStore(slow.client, { keyPrefix: prefix });
      const inFlight: Promise<unknown>[] = [];
      return {
        ...slow,
        changing: store,
        other: new RedisUserStore(fast, { keyPrefix: prefix }),
        /** A change through the paused server; waited for, whatever its outcome, by clean(). */
        change: (id: string, email: string): Promise<boolean> => {
          const changing = store.updateUserEmail(id, email);
          inFlight.push(changing.catch(() => undefined));
          return changing;
        },
        clean: async () => {
          slow.resume();
          await Promise.all(inFlight);
          await deleteKeysWithPrefix(fast, prefix);
        },
      };
    };

    it('a registration in the middle of a change does not take its email: one owner', async () => {
      const { changing, other, clean, ...slow } = await stores();
      try {
        await changing.insertUser(makeUser(1));
        const change = slow.change('user-1', 'wanted@example.com');
        await slow.paused;

        await assert.rejects(other.insertUser(makeUser(3, { email: 'wanted@example.com' })), {
          code: 'EMAIL_TAKEN',
        });
        slow.resume();
        assert.equal(await change, true);

        const moved = { ...makeUser(1), email: 'wanted@example.com' };
        assert.deepEqual(await other.findUserByEmail('wanted@example.com'), moved);
        assert.equal(await other.findUserById('user-3'), null);
        assert.equal(await other.findUserByEmail('user1@example.com'), null);
      } finally {
        slow.resume();
        await clean();
      }
    });

    it('two changes to one email at once: the second is refused, not both kept', async () => {
      const { other, clean, ...slow } = await stores();
      try {
        await other.insertUser(makeUser(1));
        await other.insertUser(makeUser(2));
        const first = slow.change('user-1', 'wanted@example.com');
        await slow.paused;

        await assert.rejects(other.updateUserEmail('user-2', 'wanted@example.com'), {
          code: 'EMAIL_TAKEN',
        });
        slow.resume();
        assert.equal(await first, true);

        assert.equal((await other.findUserByEmail('wanted@example.com'))?.id, 'user-1');
        assert.deepEqual(await other.findUserById('user-2'), makeUser(2));
        assert.deepEqual(await other.findUserByEmail('user2@example.com'), makeUser(2));
      } finally {
        slow.resume();
        await clean();
      }
    });

    it('a second change of one user amid the first: one stands, no email shared', async () => {
      const { other, clean, ...slow } = await stores();
      try {
        await other.insertUser(makeUser(1));
        const first = slow.change('user-1', 'x@example.com');
        await slow.paused;

        assert.equal(await other.updateUserEmail('user-1', 'y@example.com'), true);
        await other.insertUser(makeUser(3, { email: 'x@example.com' }));
        slow.resume();

        assert.equal(await first, false, 'the first change no longer stands');
        assert.equal((await other.findUserByEmail('y@example.com'))?.id, 'user-1');
        assert.equal((await other.findUserByEmail('x@example.com'))?.id, 'user-3');
        assert.equal((await other.findUserById('user-1'))?.email, 'y@example.com');
      } finally {
        slow.resume();
        await clean();
      }
    });

    it('a mark left by a change that stopped part-way holds its email a minute only', async () => {
      const { other, clean } = await stores();
      try {
        await other.insertUser(makeUser(1));
        const keys = new RedisKeys(prefix);
        const since = String(Date.now() - 61_000);
        await fast.hset(keys.user('user-1'), 'pe', 'wanted@example.com', 'pt', since);
        await fast.set(keys.email('wanted@example.com'), 'user-1');

        await other.insertUser(makeUser(3, { email: 'wanted@example.com' }));

        assert.equal((await other.findUserByEmail('wanted@example.com'))?.id, 'user-3');
        assert.equal((await other.findUserById('user-1'))?.email, 'user1@example.com');
      } finally {
        await clean();
      }
    });
  },
);
