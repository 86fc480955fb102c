import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { migrations, openSqliteDatabase } from '../../src/stores/sqlite/index.js';
import { applyMigrations } from '../../src/stores/sqlite/migrate.js';

/**
 * Makes the SQLite file at `path` with the first `steps` migrations only (an older release's
 * file; 0: a new, empty one), then has another process take its write lock (`BEGIN IMMEDIATE`)
 * and keep it for `holdMs`. Resolves once the lock is held, with the holder's exit.
 */
export async function olderFileLockedElsewhere(
  path: string,
  holdMs: number,
  steps = 3,
): Promise<{ released: Promise<unknown> }> {
  const older = openSqliteDatabase(path, { migrate: false });
  applyMigrations(older, migrations.slice(0, steps));
  older.close();
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3';
       const database = new Database(${JSON.stringify(path)});
       database.exec('BEGIN IMMEDIATE');
       process.stdout.write('locked\\n');
       setTimeout(() => { database.exec('COMMIT'); database.close(); }, ${String(holdMs)});`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const released = once(holder, 'exit');
  await once(holder.stdout, 'data');
  return { released };
}
