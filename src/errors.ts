/**
 * Errors that Latchkey throws on purpose. Each has a stable `code`: callers and tests branch on
 * the code, never on the message. Messages start with "latchkey:" and never contain a token,
 * session id, cookie value or password.
 *
 * Hostile input (a cookie, a token, a form body) never produces one of these: it is simply not
 * a session or not a valid request. These are for the three other cases: a mistake in
 * configuration, a store that cannot be reached, and a request the caller must refuse.
 */
export class LatchkeyError<Code extends string = string> extends Error {
  /** Stable, machine-readable identifier of the failure, e.g. `STORE_UNAVAILABLE`. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(`latchkey: ${message}`, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A configuration mistake, raised once at start-up. The message names the option, the rule it
 * breaks and how to fix it.
 */
export class ConfigError extends LatchkeyError<'CONFIG_INVALID'> {
  /** The option at fault, as the user spells it (e.g. `cookie.sameSite`). */
  readonly option: string;

  constructor(option: string, message: string) {
    super('CONFIG_INVALID', `${option}: ${message}`);
    this.option = option;
  }
}

/**
 * The session or user store could not be reached or failed. It carries the driver's error as
 * `cause`. It must never be read as "logged out" nor as "valid": HTTP adapters answer 503.
 */
export class StoreUnavailableError extends LatchkeyError<'STORE_UNAVAILABLE'> {
  constructor(operation: string, cause: unknown) {
    super('STORE_UNAVAILABLE', `the store failed during ${operation}`, { cause });
  }
}

/** An account operation was refused; `code` says why (see {@link AccountErrorCode}). */
export class AccountError extends LatchkeyError<AccountErrorCode> {}

/** Why an account operation was refused. */
export type AccountErrorCode =
  | 'EMAIL_TAKEN'
  | 'EMAIL_INVALID'
  | 'EMAIL_UNCHANGED'
  | 'CHANGED_MEANWHILE'
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_TOO_COMMON'
  | 'PASSWORD_UNCHANGED'
  | 'USER_NOT_FOUND';

/**
 * `USER_NOT_FOUND` for an account that is gone while something was being done for it (deleted
 * meanwhile): a login's session, a password check, a change. No failure of the store.
 */
export function accountGone(): AccountError {
  return new AccountError('USER_NOT_FOUND', 'the account no longer exists');
}
