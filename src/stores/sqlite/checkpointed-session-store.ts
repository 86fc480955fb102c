import { SqliteSessionStore } from './session-store.js';

import type Database from 'better-sqlite3';
import type { WalCheckpointer } from './checkpointer.js';

/**
 * The SQLite session store whose sweep keeps pace with a background checkpointer (see
 * {@link startWalCheckpointer}): after each batch that deleted sessions, the returned promise
 * waits for a checkpoint of the WAL before it resolves. The batch itself runs as the plain store
 * runs it, on the caller's thread; the wait leaves the event loop free.
 *
 * Why: a sweep of a million sessions appends tens of gigabytes of pages to the WAL (each deleted
 * row rewrites about five pages: the table's and its indexes'), one batch after another with no
 * pause long enough for a PASSIVE checkpoint to reach the end of the WAL, which is what lets the
 * next writer start the file over. Without the wait the WAL would grow for the whole sweep.
 */
export class CheckpointedSessionStore extends SqliteSessionStore {
  readonly #checkpointer: WalCheckpointer;

  constructor(database: Database.Database, checkpointer: WalCheckpointer) {
    super(database);
    this.#checkpointer = checkpointer;
  }

  override deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    return super.deleteExpiredSessions(now, limit).then(async (deleted) => {
      if (deleted > 0) await this.#checkpointer.checkpoint();
      return deleted;
    });
  }
}
