import { after, before, describe } from 'node:test';

import { Cluster } from 'ioredis';

import { describeSessionStoreConformance } from '../../src/stores/conformance/index.js';
import {
  DEFAULT_REDIS_CLUSTER_OPTIONS,
  RedisSessionStore,
  RedisUserStore,
} from '../../src/stores/redis/index.js';
import { findRedisCli, startPrivateRedisCluster } from '../support/redis-cluster.js';
import { findRedisServer } from '../support/redis-server.js';
import { uniqueTestName } from '../support/shared-stores.js';

import type { PrivateRedisCluster } from '../support/redis-cluster.js';

// The conformance suite on a real Redis Cluster of three masters that this file starts: every
// multi-key script must find its keys in one slot (Redis refuses it otherwise), and every
// lookup must work whichever node holds it.
const server = findRedisServer();
const cli = findRedisCli();
const skip = 'skip' in server ? server.skip : 'skip' in cli ? cli.skip : false;

void describe('Redis store on Redis Cluster (three nodes of its own)', { skip }, () => {
  let cluster: PrivateRedisCluster;
  let client: Cluster;

  before(async () => {
    cluster = await startPrivateRedisCluster(
      'path' in server ? server.path : '',
      'path' in cli ? cli.path : '',
    );
    client = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { ...DEFAULT_REDIS_CLUSTER_OPTIONS, lazyConnect: true },
    );
    client.on('error', () => undefined);
    await client.connect();
  });
  after(async () => {
    client.disconnect();
    await cluster.close();
  });

  describeSessionStoreConformance('Redis Cluster store', () => {
    const keyPrefix = uniqueTestName();
    return Promise.resolve({
      sessions: new RedisSessionStore(client, { keyPrefix }),
      users: new RedisUserStore(client, { keyPrefix }),
      close: () => Promise.resolve(),
    });
  });
});
