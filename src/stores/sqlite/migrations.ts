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
   * `COMMIT`) and no `PRAGMA` that cannot run inside a transaction: the runner owns both. It may
   * call `latchkey_session_key(text)`, which the runner registers (see session-key.ts).
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
  {
    version: 4,
    name: 'key sessions by their token hash and users by their id',
    up: `
      -- Finding a session by its token hash, with its user, searched four B-trees: the
      -- token_hash index, the sessions table by rowid, the users id index, the users table.
      -- Here a session's rowid is made of its token hash (latchkey_session_key, which only the
      -- migration calls: the store computes the key itself) and users are kept in the order of
      -- their id, so that the lookup searches two. A new session also updates one index fewer.
      -- The tables are rebuilt: 15 s for a million sessions on a 2-CPU machine.
      CREATE TABLE users_v4 (
        id            TEXT    PRIMARY KEY,
        email         TEXT    NOT NULL UNIQUE,
        password_hash TEXT    NOT NULL,
        created_at    INTEGER NOT NULL,
        disabled_at   INTEGER
      ) STRICT, WITHOUT ROWID;

      INSERT INTO users_v4 (id, email, password_hash, created_at, disabled_at)
        SELECT id, email, password_hash, created_at, disabled_at FROM users;

      CREATE TABLE sessions_v4 (
        key                 INTEGER PRIMARY KEY,
        id                  TEXT    NOT NULL UNIQUE,
        token_hash          TEXT    NOT NULL,
        user_id             TEXT    NOT NULL REFERENCES users_v4 (id) ON DELETE CASCADE,
        created_at          INTEGER NOT NULL,
        last_seen_at        INTEGER NOT NULL,
        idle_expires_at     INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        user_agent          TEXT,
        binding             TEXT,
        expires_at          INTEGER NOT NULL
          GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL
      ) STRICT;

      -- Of two stored sessions whose token hashes share a key (for a million random tokens,
      -- about once in 37 million databases), one is dropped: its user logs in again. So is a
      -- session whose user is gone, which a user deleted with foreign keys off (the sqlite3
      -- shell's default) leaves behind, and which the new table's foreign key would refuse.
      INSERT OR IGNORE INTO sessions_v4 (key, id, token_hash, user_id, created_at, last_seen_at,
                                         idle_expires_at, absolute_expires_at, user_agent, binding)
        SELECT latchkey_session_key(token_hash), id, token_hash, user_id, created_at,
               last_seen_at, idle_expires_at, absolute_expires_at, user_agent, binding
        FROM sessions WHERE user_id IN (SELECT id FROM users_v4);

      DROP TABLE sessions;
      DROP TABLE users;
      -- Renaming users_v4 also renames the table that sessions_v4's foreign key names.
      ALTER TABLE users_v4 RENAME TO users;
      ALTER TABLE sessions_v4 RENAME TO sessions;

      CREATE INDEX sessions_user_id ON sessions (user_id, created_at, id);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
    `,
  },
];

/** The schema version this code creates and understands: the last step's version. */
export const latestSchemaVersion: number = migrations.at(-1)?.version ?? 0;
