import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { resolveStore } from '../server/config.js';
import { restrictToOwner } from '../server/files.js';
import { loadDriver, masked, migrationWait } from '../server/stores.js';
import { migrateDatabase, openSqliteDatabase } from '../stores/sqlite/index.js';

import type { CliIo } from './io.js';

/** Help for `latchkey migrate`. */
export const MIGRATE_HELP = `Usage: latchkey migrate [--store URL | --data-dir DIR] [--json]

Brings the store's schema up to date and says which steps it applied. The server does this
by itself at start; run it beforehand to migrate while no server is running. Other commands
refuse a store that an older release made until it has run. Stop the older release's servers
first: one left running does not notice the new schema.

Options:
  --store URL      sqlite:PATH, postgres://...[?schema=NAME] or redis://... (env LATCHKEY_STORE;
                   default sqlite:<data-dir>/latchkey.db)
  --data-dir DIR   folder holding latchkey.db (env LATCHKEY_DATA_DIR, default ./data)
  --json           print JSON instead of text
`;

interface Result {
  fromVersion: number;
  toVersion: number;
  applied: { version: number; name: string }[];
}

/** `latchkey migrate`: applies pending schema migrations and says which. */
export async function migrateCommand(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Promise<void> {
  const location = resolveStore({ flags, env: io.env });
  let result: Result;
  let where: string;
  if (location.kind === 'redis') {
    io.out('Redis keeps no schema: there is nothing to migrate.\n');
    return;
  }
  if (location.kind === 'sqlite') {
    mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 });
    const database = openSqliteDatabase(location.path, { migrate: false });
    try {
      result = migrateDatabase(database, {
        onWait: () => {
          io.err(waitNotice(location.path, 'sqlite'));
        },
      });
    } finally {
      database.close();
    }
    restrictToOwner(location.path);
    where = `sqlite:${location.path}`;
  } else {
    const { openPostgresStores } = await loadDriver(
      () => import('../stores/postgres/index.js'),
      'pg',
    );
    const stores = await openPostgresStores(location.url, {
      migrate: false,
      ...(location.schema === undefined ? {} : { schema: location.schema }),
    });
    try {
      result = await stores.migrate({
        onWait: () => {
          io.err(waitNotice(`the schema "${location.schema ?? 'latchkey'}"`, 'postgres'));
        },
      });
    } finally {
      await stores.close();
    }
    where = `${masked(location.url)} (schema ${location.schema ?? 'latchkey'})`;
  }

  if (flags.json === true) {
    io.out(`${JSON.stringify({ store: where, ...result })}\n`);
    return;
  }
  if (result.applied.length === 0) {
    io.out(`${where} is up to date (schema version ${result.toVersion}).\n`);
    return;
  }
  for (const step of result.applied) io.out(`applied ${step.version}: ${step.name}\n`);
  io.out(`${where}: schema version ${result.fromVersion} -> ${result.toVersion}.\n`);
}

/** What `latchkey migrate` says once it has waited a second for another process's lock. */
function waitNotice(what: string, kind: 'sqlite' | 'postgres'): string {
  const { holders, upTo } = migrationWait(kind);
  return (
    `latchkey: Waiting for a lock on ${what}: another process holds it (${holders}). Waiting ` +
    `up to ${upTo}; stop that process if this does not end.\n`
  );
}
