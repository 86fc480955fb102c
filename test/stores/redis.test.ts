import { after, it } from 'node:test';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import {
  openRedisStores,
  RedisSessionStore,
  RedisUserStore,
} from '../../src/stores/redis/index.js';
import { deleteKeysWithPrefix, findRedis, uniqueTestName } from '../support/shared-stores.js';

// One client for this file; each test gets a key prefix of its own, deleted after the test.
const found = await findRedis();

if ('skip' in found) {
  void it('Redis store conformance', { skip: found.skip }, () => undefined);
} else {
  const { client, close } = await openRedisStores(found.url);
  after(close);

  describeSessionStoreConformance('Redis store', () => {
    const keyPrefix = uniqueTestName();
    return Promise.resolve({
      sessions: new RedisSessionStore(client, { keyPrefix }),
      users: new RedisUserStore(client, { keyPrefix }),
      close: async () => {
        await deleteKeysWithPrefix(client, keyPrefix);
      },
    });
  });
}
