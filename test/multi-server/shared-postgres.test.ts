import { it } from 'node:test';

import pg from 'pg';

import { findPostgres, uniqueTestName } from '../support/shared-stores.js';
import { describeSharedStore } from './shared-suite.js';

// The shared PostgreSQL, in a schema of this run's own, dropped afterwards.
const found = await findPostgres();

if ('skip' in found) {
  void it('two servers sharing PostgreSQL', { skip: found.skip }, () => undefined);
} else {
  const schema = uniqueTestName();
  const store = new URL(found.url);
  store.searchParams.set('schema', schema);

  describeSharedStore('two latchkey serve processes sharing PostgreSQL', {
    store: store.toString(),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: found.url });
      await client.connect();
      try {
        // uniqueTestName() is a plain identifier: lower case, digits and "_".
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  });
}
