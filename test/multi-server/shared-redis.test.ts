import { it } from 'node:test';

import { Redis } from 'ioredis';

import { deleteKeysWithPrefix, findRedis, uniqueTestName } from '../support/shared-stores.js';
import { describeSharedStore } from './shared-suite.js';

// The shared Redis, under a key prefix of this run's own, whose keys are deleted afterwards.
const found = await findRedis();

if ('skip' in found) {
  void it('two servers sharing Redis', { skip: found.skip }, () => undefined);
} else {
  const prefix = uniqueTestName();
  const store = new URL(found.url);
  store.searchParams.set('prefix', prefix);

  describeSharedStore('two latchkey serve processes sharing Redis', {
    store: store.toString(),
    cleanup: async () => {
      const client = new Redis(found.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      try {
        await deleteKeysWithPrefix(client, prefix);
      } finally {
        client.disconnect();
      }
    },
  });
}
