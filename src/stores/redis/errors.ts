import { ConfigError, LatchkeyError, StoreUnavailableError } from '../../errors.js';

import type { RedisClient } from './scripts.js';

/**
 * Runs one store operation and maps its failure: Latchkey's own errors pass through; anything
 * else (a refused or lost connection, a command timeout, a script error, a malformed record)
 * becomes a {@link StoreUnavailableError} keeping it as `cause`.
 */
export async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw new StoreUnavailableError(operation, error);
  }
}

/**
 * The error for a sweep `limit` that is not a whole number, 0 or more, or null when it is one.
 * The caller's mistake, not the store's, so a RangeError rather than a StoreUnavailableError.
 */
export function refuseSweepLimit(operation: string, limit: number): RangeError | null {
  if (Number.isSafeInteger(limit) && limit >= 0) return null;
  return new RangeError(`latchkey: ${operation} limit must be an integer, 0 or more`);
}

/**
 * Refuses a client configured with ioredis's own `keyPrefix`: ioredis would prefix the keys a
 * command names but not the keys a script builds, so a user's keys would be split in two.
 * Throws {@link ConfigError}; give the prefix to the store's `keyPrefix` option instead.
 */
export function refuseClientKeyPrefix(client: RedisClient): void {
  const options = client.options as { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } };
  const prefix = options.keyPrefix ?? options.redisOptions?.keyPrefix;
  if (typeof prefix === 'string' && prefix !== '') {
    throw new ConfigError(
      'keyPrefix',
      "is set on the ioredis client; leave ioredis's keyPrefix unset and pass the prefix to " +
        'the Latchkey store as keyPrefix',
    );
  }
}
