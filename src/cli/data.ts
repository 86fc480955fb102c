import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Accounts } from '../accounts/index.js';
import { resolveDataDir } from '../server/config.js';
import { restrictToOwner } from '../server/files.js';
import { DATABASE_FILE } from '../server/serve.js';
import { SessionManager } from '../session/index.js';
import { openSqliteStores } from '../stores/sqlite/index.js';
import { CliError } from './io.js';

import type { CliIo } from './io.js';

/** The data folder's database, opened for a command, with the services commands use. */
export interface DataAccess {
  accounts: Accounts;
  sessions: SessionManager;
  close(): Promise<void>;
}

/**
 * Opens the database in the data folder. With `create: false` a missing database is an error
 * (a command run in the wrong folder must say so, not report an empty one).
 */
export function openData(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
  options: { create: boolean },
): DataAccess {
  const dataDir = resolveDataDir({ flags, env: io.env });
  const path = join(dataDir, DATABASE_FILE);
  if (!options.create && !existsSync(path)) {
    throw new CliError(
      `No database at ${path}. Run this in the folder where the server keeps its data, or pass --data-dir.`,
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const stores = openSqliteStores(path);
  restrictToOwner(path);
  return {
    accounts: new Accounts(stores.users),
    sessions: new SessionManager(stores.sessions),
    close: () => stores.close(),
  };
}
