import { chmodSync, existsSync } from 'node:fs';

/**
 * Makes the database and its WAL files readable by their owner only, whatever the umask or
 * the folder's mode: they hold password hashes and session hashes.
 */
export function restrictToOwner(databasePath: string): void {
  for (const path of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}
