/**
 * One step of the PostgreSQL schema. Steps are applied in ascending `version` order, each in
 * its own transaction with `search_path` set to the chosen schema, and recorded in that
 * schema's `schema_migrations` table.
 */
export interface PostgresMigration {
  /** Schema version this step produces: a positive integer, one more than the step before. */
  version: number;
  /** Short description, recorded with the version (e.g. `create users, sessions, throttles`). */
  name: string;
  /**
   * The SQL to run, with unqualified table names (the runner sets `search_path`). It may hold
   * several statements, but no transaction control (`BEGIN`, `COMMIT`): the runner owns it.
   */
  up: string;
}

/**
 * The schema, oldest step first. A released step is never edited: a change is a new step with
 * the next version, so that databases created by any earlier release can follow.
 *
 * Times are `timestamptz` (microsecond precision, so milliseconds round-trip exactly). Keys
 * are `COLLATE "C"`: compared byte by byte, as the other stores do, and indexed without the
 * cost of a linguistic collation.
 */
export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'create users, sessions and throttles',
    up: `
      CREATE TABLE users (
        id            text COLLATE "C" PRIMARY KEY,
        -- Named, so that the store can tell a taken email from any other unique violation.
        email         text COLLATE "C" NOT NULL CONSTRAINT users_email_unique UNIQUE,
        password_hash text        NOT NULL,
        created_at    timestamptz NOT NULL,
        disabled_at   timestamptz
      );

      -- Serves listUsers (oldest first).
      CREATE INDEX users_created_at ON users (created_at, id);

      CREATE TABLE sessions (
        id                  text COLLATE "C" PRIMARY KEY,
        token_hash          text COLLATE "C" NOT NULL CONSTRAINT sessions_token_hash_unique UNIQUE,
        user_id             text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at          timestamptz NOT NULL,
        last_seen_at        timestamptz NOT NULL,
        idle_expires_at     timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        user_agent          text,
        -- The earlier of the two expiries, so that the sweep ("idle or absolute expiry at or
        -- before now") is one range scan of one index instead of an OR over two.
        expires_at          timestamptz NOT NULL
          GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED
      );

      -- Serves listUserSessions (newest first) and the ON DELETE CASCADE from users.
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at DESC, id DESC);

      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      -- Failure counters for login throttling, shared by every server on this database.
      CREATE TABLE throttles (
        key             text COLLATE "C" PRIMARY KEY,
        failures        integer     NOT NULL,
        last_failure_at timestamptz NOT NULL,
        expires_at      timestamptz NOT NULL
      );

      -- Serves the bounded sweep of expired counters.
      CREATE INDEX throttles_expires_at ON throttles (expires_at);
    `,
  },
  {
    version: 2,
    name: 'add session bindings',
    up: `
      -- The key a browser bound the session to (Device Bound Session Credentials):
      -- {"alg":"ES256","jwk":{...},"boundAt":<ms>}. Null for an unbound session; existing
      -- sessions stay unbound. Nullable without a default, so adding it rewrites no rows. A
      -- value the store cannot read fails the lookup.
      ALTER TABLE sessions ADD COLUMN binding jsonb;
    `,
  },
];

/** The schema version this code creates and understands: the last step's version. */
export const latestPostgresSchemaVersion: number = postgresMigrations.at(-1)?.version ?? 0;
