import { LatchkeyError, StoreUnavailableError } from '../errors.js';
import { untrustedText } from '../untrusted-text.js';
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

/**
 * An error for the log: its code or name and its message, never a stack or request data. A
 * message that is not Latchkey's own (a store driver's, which may quote what a store server sent
 * back) is untrusted text (`src/untrusted-text.ts`): the store passwords registered in this
 * process are replaced, what looks like a credential is masked, unprintable characters become
 * spaces, and it is cut to 300 characters.
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof LatchkeyError) return `${error.code}: ${error.message}`;
    if (error instanceof Error) {
      return untrustedText(`${error.name}: ${error.message}`, [], DETAIL_MAX_LENGTH);
    }
    return 'unknown error';
  } catch {
    // A log line must not turn an error into a crash.
    return 'an error whose message cannot be shown';
  }
}

const DETAIL_MAX_LENGTH = 300;
