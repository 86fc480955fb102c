import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';

import pg from 'pg';

import {
  PostgresSessionStore,
  PostgresUserStore,
  getPostgresSchemaVersion,
  latestPostgresSchemaVersion,
  migratePostgres,
  postgresMigrations,
} from '../../src/stores/postgres/index.js';
import { applyPostgresMigrations } from '../../src/stores/postgres/migrate.js';
import { findPostgres, uniqueTestName } from '../support/shared-stores.js';
import { withCode } from './sqlite-helpers.js';

const found = await findPostgres();
const skip = 'skip' in found ? found.skip : false;

const extraStep = {
  version: latestPostgresSchemaVersion + 1,
  name: 'add extra',
  up: 'CREATE TABLE extra (x integer);',
};

void describe('PostgreSQL migrations', { skip }, () => {
  const url = 'url' in found ? found.url : '';
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2_000 });
  const schemas: string[] = [];
  const newSchema = (): string => {
    const schema = uniqueTestName();
    schemas.push(schema);
    return schema;
  };
  after(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  const recorded = async (schema: string) =>
    (
      await pool.query<{ version: number; name: string }>(
        `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
      )
    ).rows;
  const tableExists = async (schema: string, table: string) =>
    (
      await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
        `"${schema}".${table}`,
      ])
    ).rows[0]?.found !== null;

  // Takes the lock every migrator of `schema` takes, as another migration would; the function
  // returned lets it go.
  const holdMigrationLock = async (schema: string): Promise<() => Promise<void>> => {
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `latchkey migrate ${schema}`,
    ]);
    return async () => {
      await holder.query('COMMIT');
      holder.release();
    };
  };

  // A lock on a table of `schema` such as pg_dump takes; the function returned lets it go.
  const holdTableLock = async (schema: string, table: string): Promise<() => Promise<void>> => {
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "${schema}".${table} IN ACCESS SHARE MODE`);
    return async () => {
      await holder.query('COMMIT');
      holder.release();
    };
  };

  // Migrates `schema` while something holds it up for 2.5 s (`release` lets it go): the result,
  // and when onWait was told (milliseconds after the start).
  const migrateHeldUp = async (schema: string, release: () => Promise<void>) => {
    const released = new Promise<void>((resolve) => setTimeout(resolve, 2_500)).then(release);
    const told: number[] = [];
    const started = performance.now();
    try {
      const result = await migratePostgres(pool, {
        schema,
        onWait: () => told.push(performance.now() - started),
      });
      return { result, told };
    } finally {
      await released;
    }
  };

  void it('are numbered 1, 2, 3 and so on, in order', () => {
    assert.deepEqual(
      postgresMigrations.map((step) => step.version),
      postgresMigrations.map((_, index) => index + 1),
    );
  });

  void it('create the schema, bring it to the latest version and record each step', async () => {
    const schema = newSchema();
    assert.equal(await getPostgresSchemaVersion(pool, { schema }), 0);

    const result = await migratePostgres(pool, { schema });

    const steps = postgresMigrations.map(({ version, name }) => ({ version, name }));
    assert.deepEqual(result, {
      fromVersion: 0,
      toVersion: latestPostgresSchemaVersion,
      applied: steps,
    });
    assert.deepEqual(await recorded(schema), steps);
    assert.equal(await getPostgresSchemaVersion(pool, { schema }), latestPostgresSchemaVersion);
  });

  void it('apply nothing and record nothing twice when run again', async () => {
    const schema = newSchema();
    await migratePostgres(pool, { schema });

    const again = await migratePostgres(pool, { schema });

    assert.deepEqual(again, {
      fromVersion: latestPostgresSchemaVersion,
      toVersion: latestPostgresSchemaVersion,
      applied: [],
    });
    assert.equal((await recorded(schema)).length, postgresMigrations.length);
  });

  void it('apply each step once when four servers migrate one schema at once', async () => {
    const schema = newSchema();
    const pools = [1, 2, 3, 4].map(() => new pg.Pool({ connectionString: url, max: 1 }));

    const results = await Promise.all(pools.map((each) => migratePostgres(each, { schema })));
    await Promise.all(pools.map((each) => each.end()));

    const applied = results.flatMap((result) => result.applied);
    assert.deepEqual(
      applied,
      postgresMigrations.map(({ version, name }) => ({ version, name })),
    );
    assert.ok(results.every((result) => result.toVersion === latestPostgresSchemaVersion));
    assert.equal((await recorded(schema)).length, postgresMigrations.length);
  });

  void it('say once, after a second, that another migrator holds them up', async () => {
    const schema = newSchema();
    // Another migrator of this schema.
    const { result, told } = await migrateHeldUp(schema, await holdMigrationLock(schema));
    assert.equal(result.toVersion, latestPostgresSchemaVersion);
    assert.equal(told.length, 1, 'told once, for all the steps');
    assert.ok(told[0]! >= 900 && told[0]! < 2_500, `told after ${told[0]!.toFixed(0)} ms`);

    // Nothing to wait for: nothing said.
    await migratePostgres(pool, { schema: newSchema(), onWait: () => told.push(-1) });
    assert.equal(told.length, 1);
  });

  void it('say when they give up waiting for another migrator', async () => {
    const schema = newSchema();
    const release = await holdMigrationLock(schema);
    const told: number[] = [];
    try {
      await assert.rejects(
        migratePostgres(pool, { schema, timeoutMs: 1_500, onWait: () => told.push(1) }),
        (error: Error) => {
          assert.equal((error as { code?: string }).code, 'STORE_UNAVAILABLE');
          assert.match(
            (error.cause as Error).message,
            new RegExp(`gave up waiting for another migrator of the schema "${schema}" \\(2 s\\)`),
          );
          return true;
        },
      );
    } finally {
      await release();
    }
    assert.equal(told.length, 1);
    assert.equal(await getPostgresSchemaVersion(pool, { schema }), 0);
  });

  void it('say once, after a second, that a table’s lock holds a step up', async () => {
    const schema = newSchema();
    await applyPostgresMigrations(pool, postgresMigrations.slice(0, 1), { schema });
    // pg_dump's lock on a table the next step alters.
    const { result, told } = await migrateHeldUp(schema, await holdTableLock(schema, 'sessions'));
    assert.equal(result.toVersion, latestPostgresSchemaVersion);
    assert.equal(result.fromVersion, 1);
    assert.equal(told.length, 1);
    assert.ok(told[0]! >= 900 && told[0]! < 2_500, `told after ${told[0]!.toFixed(0)} ms`);
  });

  void it('say when they give up waiting for a table’s lock, naming the step', async () => {
    const schema = newSchema();
    await applyPostgresMigrations(pool, postgresMigrations.slice(0, 1), { schema });
    const release = await holdTableLock(schema, 'sessions');
    try {
      await assert.rejects(
        migratePostgres(pool, { schema, timeoutMs: 1_500, onWait: () => undefined }),
        (error: Error) => {
          assert.match(
            (error.cause as Error).message,
            new RegExp(`gave up waiting for a lock on the tables of the schema "${schema}"`),
          );
          return true;
        },
      );
    } finally {
      await release();
    }
    assert.equal(await getPostgresSchemaVersion(pool, { schema }), 1);
  });

  void it('roll back a failing step and leave the version where it was', async () => {
    const schema = newSchema();
    await migratePostgres(pool, { schema });
    const failing = { ...extraStep, up: `${extraStep.up} INSERT INTO no_such_table VALUES (1);` };

    await assert.rejects(
      applyPostgresMigrations(pool, [...postgresMigrations, failing], { schema }),
      withCode('STORE_UNAVAILABLE'),
    );

    assert.equal(await tableExists(schema, 'extra'), false);
    assert.equal(await getPostgresSchemaVersion(pool, { schema }), latestPostgresSchemaVersion);
  });

  void it('upgrade a version 1 schema in place, its sessions unbound and bindable', async () => {
    const schema = newSchema();
    await applyPostgresMigrations(pool, postgresMigrations.slice(0, 1), { schema });
    await pool.query(
      `INSERT INTO "${schema}".users (id, email, password_hash, created_at)
       VALUES ('user-1', 'ada@example.com', '$argon2id$x', to_timestamp(1.001))`,
    );
    await pool.query(
      `INSERT INTO "${schema}".sessions (id, token_hash, user_id, created_at, last_seen_at,
                                         idle_expires_at, absolute_expires_at, user_agent)
       VALUES ('session-1', $1, 'user-1', to_timestamp(2.002), to_timestamp(3.003),
               to_timestamp(4.004), to_timestamp(5.005), 'curl/8.5.0')`,
      ['a'.repeat(64)],
    );

    const result = await migratePostgres(pool, { schema });

    assert.deepEqual(result, {
      fromVersion: 1,
      toVersion: latestPostgresSchemaVersion,
      applied: postgresMigrations.slice(1).map(({ version, name }) => ({ version, name })),
    });
    const sessions = new PostgresSessionStore(pool, { schema });
    const users = new PostgresUserStore(pool, { schema });
    const session = {
      id: 'session-1',
      tokenHash: 'a'.repeat(64),
      userId: 'user-1',
      createdAt: new Date(2_002),
      lastSeenAt: new Date(3_003),
      idleExpiresAt: new Date(4_004),
      absoluteExpiresAt: new Date(5_005),
      userAgent: 'curl/8.5.0',
      binding: null,
    };
    assert.deepEqual(await sessions.findSessionByTokenHash(session.tokenHash), session);
    assert.deepEqual(await sessions.listUserSessions('user-1'), [session]);
    assert.equal((await users.findUserById('user-1'))?.email, 'ada@example.com');
    const binding = { algorithm: 'ES256' as const, publicKey: { kty: 'EC' }, boundAt: new Date(9) };
    assert.equal(await sessions.bindSession('session-1', binding), true);
    assert.deepEqual(await sessions.findSessionById('session-1'), { ...session, binding });
  });

  void it('refuse a schema migrated by a newer release with SCHEMA_TOO_NEW', async () => {
    const schema = newSchema();
    await applyPostgresMigrations(pool, [...postgresMigrations, extraStep], { schema });

    await assert.rejects(migratePostgres(pool, { schema }), withCode('SCHEMA_TOO_NEW'));
  });

  void it('refuse a schema name that is not a plain identifier, naming the option', async () => {
    for (const schema of ['', 'Latchkey', 'a"; DROP SCHEMA public; --', '1abc', 'a'.repeat(64)]) {
      await assert.rejects(
        migratePostgres(pool, { schema }),
        (error) =>
          withCode('CONFIG_INVALID')(error) && (error as { option: string }).option === 'schema',
      );
    }
  });
});
