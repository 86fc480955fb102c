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
