import { LatchkeyError, StoreUnavailableError } from '../../errors.js';

/**
 * The error a store reports for `error`, thrown by the driver during `operation`: Latchkey's own
 * errors pass through, anything else (SQLITE_BUSY, disk I/O, a closed database, a broken
 * constraint) becomes a {@link StoreUnavailableError} that keeps the driver's error as `cause`.
 */
export function toStoreError(operation: string, error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error as LatchkeyError;
  return new StoreUnavailableError(operation, error);
}

/**
 * Runs a synchronous driver call and settles a promise with its outcome, so that a store method
 * never throws synchronously: callers that attach `.catch` or `await` always see the failure.
 * `operation` names the store method in the error message (e.g. `insertSession`).
 */
export function settle<T>(operation: string, run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(toStoreError(operation, error));
  }
}
