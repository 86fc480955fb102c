import { DatabaseError } from 'pg';

import { LatchkeyError, StoreUnavailableError } from '../../errors.js';

/**
 * The error a PostgreSQL store reports for `error`, thrown during `operation`: Latchkey's own
 * errors pass through; anything else (a refused or lost connection, a timeout, a broken
 * constraint, a missing table) becomes a {@link StoreUnavailableError} keeping it as `cause`.
 */
export function toStoreError(operation: string, error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error as LatchkeyError;
  return new StoreUnavailableError(operation, error);
}

/**
 * Runs one store operation and maps its failure with {@link toStoreError}, so that every
 * method rejects with a typed error and never throws synchronously.
 */
export async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}

/**
 * True when `error` is PostgreSQL's unique violation (SQLSTATE 23505) on the constraint named
 * `constraint`. Decided by the server's stable code and constraint name, never by the message,
 * which depends on the server's language.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof DatabaseError && error.code === '23505' && error.constraint === constraint
  );
}

/**
 * The error for a sweep `limit` that is not a whole number, 0 or more, or null when it is one.
 * This is the caller's mistake, not the store's, so it is a RangeError, not a
 * StoreUnavailableError; refusing it beats guessing what a negative limit meant.
 */
export function refuseSweepLimit(operation: string, limit: number): RangeError | null {
  if (Number.isSafeInteger(limit) && limit >= 0) return null;
  return new RangeError(`latchkey: ${operation} limit must be an integer, 0 or more`);
}
