import { existsSync } from 'node:fs';

import { Accounts } from '../accounts/index.js';
import { resolveStore } from '../server/config.js';
import { openStores } from '../server/stores.js';
import { SessionManager } from '../session/index.js';
import { CliError } from './io.js';

import type { CliIo } from './io.js';

/** The store, opened for a command, with the services commands use. */
export interface DataAccess {
  accounts: Accounts;
  sessions: SessionManager;
  close(): Promise<void>;
}

/**
 * Opens the store (`--store`, or SQLite in `--data-dir`). With `create: false` a missing
 * SQLite file, or a PostgreSQL schema without Latchkey's tables, is an error: a command run in
 * the wrong folder, or with a mistyped `?schema=`, must say so, not report an empty store (nor
 * create one). A store of an older release's schema is refused, not migrated: see
 * `OpenStoresOptions.upgrade`.
 */
export async function openData(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
  options: { create: boolean },
): Promise<DataAccess> {
  const location = resolveStore({ flags, env: io.env });
  if (location.kind === 'sqlite' && !options.create && !existsSync(location.path)) {
    throw new CliError(
      `No database at ${location.path}. Run this in the folder where the server keeps its ` +
        'data, or pass --data-dir or --store.',
    );
  }
  const stores = await openStores(location, {
    clientCache: false,
    existingOnly: !options.create,
    upgrade: false,
  });
  return {
    accounts: new Accounts(stores.users),
    sessions: new SessionManager(stores.sessions),
    close: () => stores.close(),
  };
}
