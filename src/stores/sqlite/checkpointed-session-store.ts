import {
  DELETE_EXPIRED_SESSIONS_SQL,
  SqliteSessionStore,
  refuseSweepLimit,
} from './session-store.js';
import { toStoreError } from './settle.js';

import type Database from 'better-sqlite3';
import type { WalCheckpointer } from './checkpointer.js';

/**
 * The SQLite session store whose sweep runs on a background checkpointer's thread (see
 * {@link startWalCheckpointer}): each batch is deleted through the worker's own connection and
 * followed there by a checkpoint of the WAL, and the returned promise resolves after both. The
 * event loop stays free meanwhile. In bench/sweep.ts, batches of 100 run on the event loop took
 * 4 ms at the median but up to 73 ms, and every request arriving meanwhile waited as long.
 * Another connection's delete empties this process's read caches at the next event-loop turn,
 * as any other process's write does. Should the worker be gone, a batch runs on the caller's
 * connection as the plain store runs it, followed by a checkpoint request.
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

  override async deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    // A bad limit is the caller's mistake (a RangeError), refused before anything is written.
    const refused = refuseSweepLimit('deleteExpiredSessions', limit);
    if (refused !== null) throw refused;
    let deleted: number | null;
    try {
      deleted = await this.#checkpointer.write(DELETE_EXPIRED_SESSIONS_SQL, [now.getTime(), limit]);
    } catch (error) {
      throw toStoreError('deleteExpiredSessions', error);
    }
    if (deleted !== null) return deleted;
    deleted = await super.deleteExpiredSessions(now, limit);
    if (deleted > 0) await this.#checkpointer.checkpoint();
    return deleted;
  }
}
