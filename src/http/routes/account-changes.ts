import { issueCsrfToken } from '../../csrf/index.js';
import { AccountError, StoreUnavailableError } from '../../errors.js';
import { authenticateRequest } from '../authenticate.js';
import { readFields, stringField } from '../body.js';
import { publicUser } from '../present.js';
import { errorResponse, jsonResponse } from '../respond.js';
import {
  EMAIL_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  accountErrorResponse,
  afterAccountChange,
  throttled,
} from './credentials.js';

import type { User } from '../../accounts/types.js';
import type { ThrottleVerdict } from '../../throttle/index.js';
import type { RequestAuth } from '../authenticate.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

// Changes to an account its owner makes from a live session: the password and the email. Both
// need a recent login and the current password, and are throttled as logins to the account.

/**
 * `POST /auth/password` `{currentPassword, newPassword}`: needs a live session from a recent
 * login and the current password. Ends every other session of the user, rotates this one,
 * and voids every device cookie issued under the old password.
 */
export async function changePassword(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const begun = await beginAccountChange(context, request, 'newPassword', 'password');
  if (!begun.ok) return begun.response;
  const { auth, current, next, deviceId, verdict, countFailure } = begun;

  let changed: boolean;
  let ended = 0;
  try {
    changed = await context.accounts.changePassword(
      auth.user.id,
      { currentPassword: current, newPassword: next },
      {
        // Other sessions end before the new password is saved: should the store fail between
        // the two, the password is unchanged rather than changed with a thief still logged in.
        beforeSave: async () => {
          // A change from another session that got this far first has ended this one: this
          // change will lose, and must not end the winner's sessions on its way.
          if (!(await context.sessions.sessionExists(auth.session.id))) {
            throw new SessionEndedMeanwhile();
          }
          ended = await context.sessions.invalidateOtherSessions(auth.user.id, auth.session.id);
        },
      },
    );
    if (!changed) await countFailure('wrong_password');
  } catch (error) {
    if (error instanceof SessionEndedMeanwhile) {
      return errorResponse(401, 'UNAUTHENTICATED', 'Log in first: there is no live session.');
    }
    if (error instanceof AccountError) return accountErrorResponse(error, 'newPassword');
    throw error;
  } finally {
    verdict.attempt.release();
  }
  if (!changed) {
    return errorResponse(403, 'INVALID_CREDENTIALS', 'The current password is incorrect.', {
      field: 'currentPassword',
    });
  }

  // Again after the save: a login that proved the old password between the first round and the
  // save made its session then; later ones end their own (their credential check fails).
  ended += await context.sessions.invalidateOtherSessions(auth.user.id, auth.session.id);
  const rotated = await context.sessions.rotateSession(auth.session.id);
  context.logger.log('info', 'user.password_changed', {
    userId: auth.user.id,
    endedSessions: ended,
  });
  if (rotated === null) {
    // The new password is saved: ended meanwhile is this session (another change, a revocation).
    return errorResponse(
      401,
      'UNAUTHENTICATED',
      'The password was changed, but this session ended meanwhile; log in with the new password.',
    );
  }
  const newStamp = await context.accounts.credentialStamp(auth.user.email);
  const cookie = context.cookie.serialize(
    rotated.token,
    context.sessions.cookieMaxAgeSeconds(rotated.session),
  );
  // The rotated session has a new id, so the CSRF token of the old one no longer holds.
  const csrfToken = issueCsrfToken(context.keys, rotated.session.id);
  return jsonResponse(200, { message: 'Password changed.', endedSessions: ended, csrfToken }, [
    ['Set-Cookie', cookie],
    ['Set-Cookie', context.deviceCookie.issue(auth.user.email, newStamp, deviceId)],
  ]);
}

/**
 * `POST /auth/email` `{currentPassword, newEmail}`: needs a live session from a recent login and
 * the current password, throttled as a login to the account. Rotates this session (a change of
 * what the account is known by); the account's other sessions stay. 409 `EMAIL_TAKEN` once the
 * password is proven and another account has the email. Turned off with registration: where
 * accounts are made by an administrator, so are their emails.
 */
export async function changeEmail(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const begun = await beginAccountChange(context, request, 'newEmail', 'email');
  if (!begun.ok) return begun.response;
  // The account's turn is held to the end, rotation included: a second change from the same
  // browser, on this server, waits its turn (429 busy) or finds its session rotated away.
  try {
    return await applyEmailChange(context, request, begun);
  } finally {
    begun.verdict.attempt.release();
  }
}

async function applyEmailChange(
  context: AuthContext,
  request: HttpRequest,
  begun: AccountChange,
): Promise<HttpResponse> {
  const { auth, current, next, stamp, deviceId, countFailure } = begun;
  // Checked again now that the turn is this request's: a change just before it, from this
  // browser, may have rotated this session away.
  if (!(await context.sessions.sessionExists(auth.session.id))) {
    return errorResponse(401, 'UNAUTHENTICATED', 'Log in first: there is no live session.');
  }
  let user: User | null;
  try {
    user = await context.accounts.changeEmail(auth.user.id, {
      currentPassword: current,
      newEmail: next,
    });
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
    // A taken email tells that it has an account: counted as a failure, so that probing emails
    // this way is slowed as guessing passwords is.
    if (error.code === 'EMAIL_TAKEN') await countFailure('email_taken');
    return accountErrorResponse(error, 'currentPassword', 'newEmail');
  }
  if (user === null) {
    await countFailure('wrong_password');
    return errorResponse(403, 'INVALID_CREDENTIALS', 'The current password is incorrect.', {
      field: 'currentPassword',
    });
  }

  // A password change or another email change that lands while this one is checked wins (the
  // write depends on what was read: CHANGED_MEANWHILE above). From here the change is made: a
  // logout that ends this session, or a store failure, is answered saying so.
  let rotated;
  try {
    rotated = await context.sessions.rotateSession(auth.session.id);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    context.logger.log('warn', 'user.email_changed', { userId: user.id, rotationFailed: true });
    return errorResponse(
      503,
      'STORE_UNAVAILABLE',
      `The email was changed to ${user.email}, but the store failed as the session was renewed.`,
    );
  }
  if (rotated === null) {
    context.logger.log('info', 'user.email_changed', { userId: user.id, sessionEnded: true });
    return errorResponse(
      401,
      'UNAUTHENTICATED',
      `The email was changed to ${user.email}, but this session ended meanwhile; log in again.`,
    );
  }
  context.logger.log('info', 'user.email_changed', { userId: user.id });
  // Throttle state is kept by email: this address becomes known to the account's new email, as
  // a registration makes it known to a new account's.
  const moved = user;
  await afterAccountChange(
    context,
    () =>
      context.throttle.rememberAddress({
        email: moved.email,
        address: request.clientAddress,
        deviceId,
        credentialStamp: stamp,
      }),
    'email_change.count_failed',
  );
  const cookie = context.cookie.serialize(
    rotated.token,
    context.sessions.cookieMaxAgeSeconds(rotated.session),
  );
  const csrfToken = issueCsrfToken(context.keys, rotated.session.id);
  return jsonResponse(200, { message: 'Email changed.', user: publicUser(user), csrfToken }, [
    ['Set-Cookie', cookie],
    ['Set-Cookie', context.deviceCookie.issue(user.email, stamp, deviceId)],
  ]);
}

/** What {@link beginAccountChange} hands on: who asks, with what, under which throttle turn. */
export interface AccountChange {
  auth: Extract<RequestAuth, { authenticated: true }>;
  current: string;
  /** The new value from the body's `field`; '' when the change names none (a deletion). */
  next: string;
  stamp: string;
  deviceId: string | null;
  verdict: Extract<ThrottleVerdict, { allowed: true }>;
  /**
   * Counts a failed check against the account's throttle (a wrong password; a taken email, which
   * tells that it has an account) and logs `account_change.failed`.
   */
  countFailure: (reason: 'wrong_password' | 'email_taken') => Promise<void>;
}

/** What an account change changes, as its log events name it. */
export type AccountChangeKind = 'password' | 'email' | 'deletion';

const WHAT: Record<AccountChangeKind, string> = {
  password: 'change your password',
  email: 'change your email',
  deletion: 'delete your account',
};

// The changes turned off with registration: where an administrator makes the accounts, they also
// set their emails and delete them.
const OFF_WITH_REGISTRATION: Partial<
  Record<
    AccountChangeKind,
    { code: 'EMAIL_CHANGE_DISABLED' | 'ACCOUNT_DELETION_DISABLED'; doing: string }
  >
> = {
  email: { code: 'EMAIL_CHANGE_DISABLED', doing: 'Changing the email' },
  deletion: { code: 'ACCOUNT_DELETION_DISABLED', doing: 'Deleting an account' },
};

/**
 * The start of a change to the account (its password, its email, its deletion): 403 for an email
 * change or a deletion while registration is off; else a live session from a login within the
 * fresh-login window, the current password and the new value (`field`, when the change has one)
 * from the body, and the throttle's leave to check the password, under the login keys of the
 * account. A success is not recorded by the throttle: a change is not a login, and makes no
 * address known. The caller counts a failure with `countFailure` and releases the attempt.
 */
export async function beginAccountChange(
  context: AuthContext,
  request: HttpRequest,
  field: 'newPassword' | 'newEmail' | null,
  change: AccountChangeKind,
): Promise<{ ok: false; response: HttpResponse } | ({ ok: true } & AccountChange)> {
  const off = context.registration ? undefined : OFF_WITH_REGISTRATION[change];
  if (off !== undefined) {
    const message =
      `${off.doing} is turned off on this server, as registration is: ` + 'ask its administrator.';
    return { ok: false, response: errorResponse(403, off.code, message) };
  }
  const auth = await authenticateRequest(context, request);
  if (!auth.authenticated) {
    const response = errorResponse(
      401,
      'UNAUTHENTICATED',
      'Log in first: there is no live session.',
    );
    return { ok: false, response };
  }
  const body = await readFields(request);
  if (!body.ok) return body;
  const current = stringField(body.fields, 'currentPassword', PASSWORD_MAX_LENGTH);
  if (!current.ok) return current;
  const maxLength = field === 'newEmail' ? EMAIL_MAX_LENGTH : PASSWORD_MAX_LENGTH;
  const next =
    field === null ? { ok: true as const, value: '' } : stringField(body.fields, field, maxLength);
  if (!next.ok) return next;

  const ageMs = context.clock() - auth.session.createdAt.getTime();
  if (ageMs > context.freshLoginSeconds * 1000) {
    const response = errorResponse(
      403,
      'REAUTHENTICATION_REQUIRED',
      `Log in again to ${WHAT[change]}: the login must be recent.`,
    );
    return { ok: false, response };
  }
  const stamp = await context.accounts.credentialStamp(auth.user.email);
  const deviceId = context.deviceCookie.read(request.header('cookie'), auth.user.email, stamp);
  const verdict = await context.throttle.check(
    { email: auth.user.email, address: request.clientAddress, deviceId, credentialStamp: stamp },
    { recordsSuccess: false },
  );
  const userId = auth.user.id;
  if (!verdict.allowed) {
    context.logger.log('warn', 'account_change.throttled', {
      userId,
      change,
      scope: verdict.scope,
    });
    return { ok: false, response: throttled(verdict) };
  }
  const countFailure = async (reason: 'wrong_password' | 'email_taken'): Promise<void> => {
    context.logger.log('info', 'account_change.failed', { userId, change, reason });
    await context.throttle.recordFailure(verdict.attempt);
  };
  return {
    ok: true,
    auth,
    current: current.value,
    next: next.value,
    stamp,
    deviceId,
    verdict,
    countFailure,
  };
}

/** Thrown out of a password change whose own session was ended before it ended any other. */
class SessionEndedMeanwhile extends Error {}
