import { AccountError } from '../errors.js';
import { normalizeEmail } from './email.js';

// The account errors that Accounts raises from more than one verb.

/** `CHANGED_MEANWHILE`: what a change or deletion was checked with is no longer the account's. */
export function changedMeanwhile(what: string, during: 'change' | 'deletion'): AccountError {
  const message = `the account's ${what} changed while this ${during} was checked`;
  return new AccountError('CHANGED_MEANWHILE', message);
}

/** The normalized form of an email given for an account, or `EMAIL_INVALID`. */
export function requireEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (normalized === null) {
    throw new AccountError('EMAIL_INVALID', 'this is not a valid email address');
  }
  return normalized;
}
