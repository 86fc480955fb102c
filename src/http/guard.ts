import { LatchkeyError, StoreUnavailableError } from '../errors.js';
import { errorResponse, storeUnavailable } from './respond.js';

import type { Logger } from '../log.js';
import type { RequestHandler } from './types.js';

/**
 * Wraps a handler so that a store outage becomes a 503 (never a login, never a silent logout)
 * and anything unexpected becomes a 500 that is logged without request data.
 */
export function withErrorResponses(handler: RequestHandler, logger: Logger): RequestHandler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        logger.log('error', 'store.unavailable', { detail: describe(error.cause) });
        return storeUnavailable();
      }
      logger.log('error', 'http.internal_error', { detail: describe(error) });
      return errorResponse(500, 'INTERNAL_ERROR', 'Something went wrong on the server.');
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof LatchkeyError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return 'unknown error';
}
