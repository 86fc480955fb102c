import { LatchkeyError } from './errors.js';
import { untrustedText } from './untrusted-text.js';

/** Severity of a log event. Expected rejections (a wrong password, a refused CSRF) are info or warn. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of a log event. Never a token, cookie value, session id or password. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * Where Latchkey reports what it does. The library is silent unless given one. Event names are
 * stable (`session.created`, `session.revoked`, `login.failed`, ...).
 */
export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** A logger that drops everything: the library's default. */
export const silentLogger: Logger = Object.freeze({
  log(): void {
    // The library says nothing unless the application asks it to.
  },
});

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
