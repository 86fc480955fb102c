import { StoreUnavailableError } from '../errors.js';
import { describeError } from '../log.js';
import { errorResponse, storeUnavailable } from './respond.js';

import type { Logger } from '../log.js';
import type { HttpResponse, RequestHandler } from './types.js';

/**
 * The response for an error a handler threw: 503 for a store outage (never a login, never a
 * silent logout), 500 for anything else, each logged without request data.
 */
export function responseForError(error: unknown, logger: Logger): HttpResponse {
  if (error instanceof StoreUnavailableError) {
    logger.log('error', 'store.unavailable', { detail: describeError(error.cause) });
    return storeUnavailable();
  }
  logger.log('error', 'http.internal_error', { detail: describeError(error) });
  return errorResponse(500, 'INTERNAL_ERROR', 'Something went wrong on the server.');
}

/** Wraps a handler so that whatever it throws becomes {@link responseForError}'s answer. */
export function withErrorResponses(handler: RequestHandler, logger: Logger): RequestHandler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      return responseForError(error, logger);
    }
  };
}
