import { findRedisServer, startPrivateRedis } from '../support/redis-server.js';
import { describeStoreOutage } from './outage-suite.js';

// A redis-server of this test's own (a free port, a temporary folder), with an append-only
// file fsynced at every write, so that the sessions survive SIGKILL and the restart.
const found = findRedisServer();

describeStoreOutage('latchkey serve while its Redis is killed and restarted under load', {
  skip: 'skip' in found ? found.skip : false,
  startStore: async () => {
    const redis = await startPrivateRedis('path' in found ? found.path : '', { appendOnly: true });
    return {
      store: `${redis.url}?prefix=latchkey_outage`,
      kill: () => redis.kill(),
      restart: () => redis.start(),
      close: () => redis.close(),
    };
  },
});
