import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import pg from 'pg';

import { openData } from '../../src/cli/data.js';
import { ConfigError } from '../../src/errors.js';
import { getPostgresSchemaVersion, postgresMigrations } from '../../src/stores/postgres/index.js';
import { applyPostgresMigrations } from '../../src/stores/postgres/migrate.js';
import { findPostgres, uniqueTestName } from '../support/shared-stores.js';

import type { CliIo } from '../../src/cli/io.js';

// Commands that read or change what a store holds (`users list`, `sessions revoke`...) open it
// with `create: false`: a mistyped schema must be an error, and must not be made as a side effect.

const io: CliIo = {
  out: () => undefined,
  err: () => undefined,
  readSecret: () => Promise.reject(new Error('no secret to read here')),
  env: {},
};

const found = await findPostgres();
if ('skip' in found) {
  void it('CLI commands on a PostgreSQL schema', { skip: found.skip }, () => undefined);
} else {
  const schema = uniqueTestName();
  const store = `${found.url}${found.url.includes('?') ? '&' : '?'}schema=${schema}`;
  const client = new pg.Client({ connectionString: found.url });
  await client.connect();
  const schemaExists = async (): Promise<boolean> =>
    (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;

  after(async () => {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  describe('CLI commands on a PostgreSQL schema', () => {
    it('a command that reads refuses a schema without Latchkey’s tables, and creates none', async () => {
      await assert.rejects(
        openData({ store }, io, { create: false }),
        (error) =>
          error instanceof ConfigError &&
          error.option === '--store (LATCHKEY_STORE)' &&
          error.message.includes(`"${schema}"`) &&
          error.message.includes('holds no Latchkey tables'),
      );
      assert.equal(await schemaExists(), false);
    });

    it('a command refuses a schema of an older release, and leaves it as it was', async () => {
      const older = `${schema}_older`;
      const olderStore = store.replace(`schema=${schema}`, `schema=${older}`);
      const pool = new pg.Pool({ connectionString: found.url, max: 1 });
      try {
        await applyPostgresMigrations(pool, postgresMigrations.slice(0, 1), { schema: older });
        for (const create of [false, true]) {
          await assert.rejects(
            openData({ store: olderStore }, io, { create }),
            (error) =>
              error instanceof ConfigError &&
              error.message.includes('schema version 1, made by an older release') &&
              error.message.includes('`latchkey migrate`'),
          );
        }
        assert.equal(await getPostgresSchemaVersion(pool, { schema: older }), 1);
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS "${older}" CASCADE`);
        await pool.end();
      }
    });

    it('`users add` makes the schema; then the commands that read open it', async () => {
      const adding = await openData({ store }, io, { create: true });
      await adding.accounts.register({
        email: 'admin@example.com',
        password: 'a long enough admin password',
      });
      await adding.close();
      assert.equal(await schemaExists(), true);

      const reading = await openData({ store }, io, { create: false });
      try {
        const users = await reading.accounts.listUsers();
        assert.deepEqual(
          users.map((user) => user.email),
          ['admin@example.com'],
        );
      } finally {
        await reading.close();
      }
    });
  });
}
