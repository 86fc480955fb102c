import { readResetToken } from '../../accounts/reset-token.js';
import { AccountError } from '../../errors.js';
import { readFields, stringField } from '../body.js';
import { errorResponse, jsonResponse } from '../respond.js';
import { PASSWORD_MAX_LENGTH, accountErrorResponse } from './credentials.js';

import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

// Longer than any token this server makes (a 172-character id at most, the expiry, the HMAC).
const TOKEN_MAX_LENGTH = 256;

/**
 * `POST /auth/password-reset` `{token, newPassword}`: sets a new password with a reset token
 * (`Latchkey.issuePasswordReset`, `latchkey users reset-link`) instead of the current password.
 * The token works once, until it expires, and only while the account is enabled and its
 * password and email are as they were when the token was made. Ends every session of the user
 * (the reset may follow a theft) and logs nobody in: the user logs in with the new password. A
 * token that does not work, for whatever reason, gets the same 400 `RESET_TOKEN_INVALID`, and
 * costs no hashing.
 */
export async function resetPassword(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const body = await readFields(request);
  if (!body.ok) return body.response;
  const token = stringField(body.fields, 'token', TOKEN_MAX_LENGTH);
  if (!token.ok) return token.response;
  const next = stringField(body.fields, 'newPassword', PASSWORD_MAX_LENGTH);
  if (!next.ok) return next.response;

  const claim = readResetToken(context.keys, token.value, context.clock());
  if (claim === null) return refused(context, 'malformed_or_expired');
  // The same read and the same HMAC whether or not the id names an enabled account, so that
  // the time taken does not say which.
  const bound = await context.accounts.resetBindingOf(claim.userId);
  const account = bound ?? { email: '', credentialStamp: '' };
  if (!claim.madeFor(account) || bound === null) {
    // Signed with another secret (a CLI run with the wrong LATCHKEY_SECRETS), or for an account
    // since changed, disabled or deleted: one reason to the client, and the id to the log.
    return refused(context, 'not_for_this_account', claim.userId);
  }

  let ended = 0;
  let saved: boolean;
  try {
    saved = await context.accounts.setUserPassword(claim.userId, next.value, {
      overStamp: bound.credentialStamp,
      overEmail: bound.email,
      // Every session ends before the new password is saved, as with a change.
      beforeSave: async () => {
        ended = await context.sessions.invalidateUserSessions(claim.userId);
      },
    });
  } catch (error) {
    if (error instanceof AccountError) return accountErrorResponse(error, 'newPassword');
    throw error;
  }
  // The password changed, or the account was disabled or deleted, since the token was read.
  if (!saved) return refused(context, 'changed_meanwhile', claim.userId);

  // A login that checked the old password meanwhile made its session before the save.
  ended += await context.sessions.invalidateUserSessions(claim.userId);
  context.logger.log('info', 'user.password_reset', { userId: claim.userId, endedSessions: ended });
  return jsonResponse(200, { message: 'Password changed. Log in with the new password.' });
}

function refused(context: AuthContext, reason: string, userId?: string): HttpResponse {
  context.logger.log('info', 'password_reset.refused', {
    reason,
    ...(userId === undefined ? {} : { userId }),
  });
  return errorResponse(
    400,
    'RESET_TOKEN_INVALID',
    'This reset link does not work: it was used, it expired, or the account changed. ' +
      'Ask for a new one.',
    { field: 'token' },
  );
}
