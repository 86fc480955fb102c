import { AccountError, StoreUnavailableError } from '../../errors.js';
import { errorResponse, jsonResponse } from '../respond.js';
import { beginAccountChange } from './account-changes.js';
import { accountErrorResponse } from './credentials.js';

import type { User } from '../../accounts/types.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/**
 * `POST /auth/delete-account` `{currentPassword}`: the owner deletes their account. Needs a live
 * session from a recent login and the current password, throttled as a login to the account (a
 * wrong password counts as a failure). Deletes the account only over the password it checked:
 * a password change landing meanwhile (an owner locking out a thief who knew the old one) wins,
 * and this gets 409 `CHANGED_MEANWHILE`. Ends every session of the user and clears the session
 * cookie, as a logout does. The email is free for a new account at once. Turned off with
 * registration (403 `ACCOUNT_DELETION_DISABLED`): where an administrator makes the accounts, they
 * also delete them (`latchkey users delete`).
 */
export async function deleteAccount(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const begun = await beginAccountChange(context, request, null, 'deletion');
  if (!begun.ok) return begun.response;
  const { auth, current, verdict, countFailure } = begun;

  let deleted: User | null;
  let live: number;
  try {
    // Checked again now that the account's turn is this request's: a change just before it,
    // from this browser, may have ended this session.
    if (!(await context.sessions.sessionExists(auth.session.id))) {
      return errorResponse(401, 'UNAUTHENTICATED', 'Log in first: there is no live session.');
    }
    // Counted first: the SQL stores end them with the account, leaving none to count after.
    live = (await context.sessions.listUserSessions(auth.user.id)).length;
    deleted = await context.accounts.deleteAccount(auth.user.id, { currentPassword: current });
    if (deleted === null) await countFailure('wrong_password');
  } catch (error) {
    if (error instanceof AccountError) return accountErrorResponse(error, 'currentPassword');
    throw error;
  } finally {
    verdict.attempt.release();
  }
  if (deleted === null) {
    return errorResponse(403, 'INVALID_CREDENTIALS', 'The current password is incorrect.', {
      field: 'currentPassword',
    });
  }

  // From here the account is gone, and the answer says so whatever follows. A session of a user
  // that no longer exists is refused wherever it is presented, and ended then (the SQL stores
  // delete them with the user); ending them all now is tidiness, which a store failure may
  // postpone.
  let sessionsLeft = false;
  let ended = 0;
  try {
    ended = await context.sessions.invalidateUserSessions(deleted.id);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    sessionsLeft = true;
  }
  context.logger.log('info', 'user.deleted', {
    userId: deleted.id,
    endedSessions: Math.max(live, ended),
    ...(sessionsLeft ? { sessionsLeft } : {}),
  });
  const headers: [string, string][] = [['Set-Cookie', context.cookie.clear()]];
  if (auth.session.binding !== null) {
    headers.push(['Set-Cookie', context.dbsc.boundCookie.clear()]);
  }
  if (context.clearSiteDataOnLogout) headers.push(['Clear-Site-Data', '"cookies"']);
  return jsonResponse(200, { message: 'Account deleted.' }, headers);
}
