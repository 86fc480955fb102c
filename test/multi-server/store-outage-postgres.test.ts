import { findPostgresBinaries, startPrivatePostgres } from '../support/postgres-server.js';
import { describeStoreOutage } from './outage-suite.js';

// A PostgreSQL cluster of this test's own (initdb in a temporary folder, a free port): crashed
// with an immediate shutdown, then started again on the same data folder.
const found = findPostgresBinaries();

describeStoreOutage('latchkey serve while its PostgreSQL crashes and restarts under load', {
  skip: 'skip' in found ? found.skip : false,
  startStore: async () => {
    const postgres = await startPrivatePostgres('bin' in found ? found.bin : '');
    return {
      store: `${postgres.url}?schema=latchkey_outage`,
      kill: () => postgres.crash(),
      restart: () => postgres.start(),
      close: () => postgres.close(),
    };
  },
});
