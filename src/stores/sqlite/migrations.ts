/**
 * One step of the SQLite schema. Steps are applied in ascending `version` order, each in its own
 * transaction, and recorded in the `schema_migrations` table.
 */
export interface Migration {
  /** Schema version this step produces: a positive integer, one more than the step before. */
  version: number;
  /** Short description, recorded with the version (e.g. `create users and sessions`). */
  name: string;
  /**
   * The SQL to run. It may hold several statements, but no transaction control (`BEGIN`,
   * `COMMIT`) and no `PRAGMA` that cannot run inside a transaction: the runner owns both.
   */
  up: string;
}

/**
 * The schema, oldest step first. A released step is never edited: a change is a new step with
 * the next version, so that databases created by any earlier release can follow.
 *
 * Times are INTEGER milliseconds since the Unix epoch. Tables are STRICT, so a value of the wrong
 * type is refused instead of being stored as text.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create users and sessions',
    up: `
      CREATE TABLE users (
        id            TEXT    PRIMARY KEY,
        email         TEXT    NOT NULL UNIQUE,
        password_hash TEXT    NOT NULL,
        created_at    INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sessions (
        id                  TEXT    PRIMARY KEY,
        token_hash          TEXT    NOT NULL UNIQUE,
        user_id             TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at          INTEGER NOT NULL,
        last_seen_at        INTEGER NOT NULL,
        idle_expires_at     INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        user_agent          TEXT,
        -- The earlier of the two expiries, so that the sweep ("idle or absolute expiry at or
        -- before now") is one range scan of one index instead of an OR over two.
        expires_at          INTEGER NOT NULL
          GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL
      ) STRICT;

      -- Serves listUserSessions (newest first) and the ON DELETE CASCADE from users.
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at, id);

      CREATE INDEX sessions_expires_at ON sessions (expires_at);
    `,
  },
  {
    version: 2,
    name: 'add throttles and disabled accounts',
    up: `
      -- Failure counters for login throttling, shared by every process on this file.
      CREATE TABLE throttles (
        key             TEXT    PRIMARY KEY,
        failures        INTEGER NOT NULL,
        last_failure_at INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL
      ) STRICT;

      -- Serves the bounded sweep of expired counters.
      CREATE INDEX throttles_expires_at ON throttles (expires_at);

      -- Null for an account in use; existing accounts stay enabled.
      ALTER TABLE users ADD COLUMN disabled_at INTEGER;
    `,
  },
  {
    version: 3,
    name: 'add session bindings',
    up: `
      -- The key a browser bound the session to (Device Bound Session Credentials), as compact
      -- JSON: {"alg":"ES256","jwk":{...},"boundAt":<ms>}. Null for an unbound session;
      -- existing sessions stay unbound. A value the store cannot read fails the lookup.
      ALTER TABLE sessions ADD COLUMN binding TEXT;
    `,
  },
];

/** The schema version this code creates and understands: the last step's version. */
export const latestSchemaVersion: number = migrations.at(-1)?.version ?? 0;
