import { issueCsrfToken } from '../../csrf/index.js';
import { AccountError, StoreUnavailableError } from '../../errors.js';
import { describeError } from '../../log.js';
import { authenticateRequest } from '../authenticate.js';
import { readFields, stringField } from '../body.js';
import { publicUser } from '../present.js';
import { errorResponse, jsonResponse } from '../respond.js';
import { startSession } from './start-session.js';

import type { User } from '../../accounts/types.js';
import type { LoginAttempt, ThrottleVerdict } from '../../throttle/index.js';
import type { RequestAuth } from '../authenticate.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

// RFC 5321 caps a forward path at 256 octets; passwords beyond the policy's maximum cannot
// match a stored hash, and bounding them keeps hashing cost bounded.
const EMAIL_MAX_LENGTH = 320;
const PASSWORD_MAX_LENGTH = 1024;

/** `POST /auth/register` `{email, password}`: 201 and the new user logged in. */
export async function register(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  if (!context.registration) {
    return errorResponse(
      403,
      'REGISTRATION_DISABLED',
      'Registration is turned off on this server.',
    );
  }
  const input = await readCredentials(request);
  if (!input.ok) return input.response;
  const { email, password } = input;

  // Each registration costs a password hash, and one refused as taken tells that the email has
  // an account: both are counted against the client's address.
  const verdict = await context.throttle.checkRegistration(request.clientAddress);
  if (!verdict.allowed) {
    context.logger.log('warn', 'register.throttled', {
      scope: verdict.scope,
      client: request.clientAddress,
    });
    return throttled(verdict, 'registration');
  }
  let user: User;
  try {
    try {
      user = await context.accounts.register({ email, password });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      if (error.code === 'EMAIL_TAKEN') await verdict.registration.record(true);
      return accountErrorResponse(error, 'password');
    }
    // Counted before the address is released, so that the next registration sees it.
    await afterAccountChange(context, () => verdict.registration.record(false));
  } finally {
    verdict.registration.release();
  }
  context.logger.log('info', 'user.registered', { userId: user.id });
  const stamp = await context.accounts.credentialStamp(user.email);
  await afterAccountChange(context, () =>
    context.throttle.rememberAddress({
      email: user.email,
      address: request.clientAddress,
      deviceId: null,
      credentialStamp: stamp,
    }),
  );
  return startSession(context, request, user, {
    status: 201,
    message: 'Registration successful!',
    extraCookies: [context.deviceCookie.issue(user.email, stamp, null)],
  });
}

/**
 * A throttle write after an account was made or given a new email (its count, its known
 * address): the change is saved, so a store failure here is logged (`event`) and the change
 * answered as made. A 503 would send its owner to a 409 on the retry.
 */
async function afterAccountChange(
  context: AuthContext,
  write: () => Promise<void>,
  event = 'register.count_failed',
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    context.logger.log('warn', event, { detail: describeError(error.cause) });
  }
}

/**
 * `POST /auth/login` `{email, password}`: 200 `{"message": "Login successful!", "user"}` and
 * the session cookie; 401 alike for an unknown email and a wrong password; 429 while throttled.
 */
export async function login(context: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const input = await readCredentials(request);
  if (!input.ok) return input.response;
  const { email, password } = input;

  // An address that has failed too often is refused before the account is looked up: that
  // refusal costs its sender nothing, so it must take as long whether the email has an account
  // or not. The check below reads the address again, for an attempt that gets that far.
  const refused = await context.throttle.refuseAddress(request.clientAddress);
  if (refused !== null) return throttledLogin(context, request, refused);

  const stamp = await context.accounts.credentialStamp(email);
  const attempt: LoginAttempt = {
    email,
    address: request.clientAddress,
    deviceId: context.deviceCookie.read(request.header('cookie'), email, stamp),
    credentialStamp: stamp,
  };
  const verdict = await context.throttle.check(attempt);
  if (!verdict.allowed) return throttledLogin(context, request, verdict);

  let user;
  try {
    user = await context.accounts.authenticate({ email, password });
    if (user === null) await context.throttle.recordFailure(verdict.attempt);
    else await context.throttle.recordSuccess(verdict.attempt);
  } finally {
    verdict.attempt.release();
  }
  if (user === null) {
    context.logger.log('info', 'login.failed', { client: request.clientAddress });
    // One answer for an unknown email and a wrong password: the response tells nobody which
    // accounts exist (the timing is equalised by Accounts.authenticate).
    return errorResponse(401, 'INVALID_CREDENTIALS', 'The email or password is incorrect.');
  }
  context.logger.log('info', 'login.succeeded', { userId: user.id });
  return startSession(context, request, user, {
    status: 200,
    message: 'Login successful!',
    extraCookies: [context.deviceCookie.issue(user.email, user.credentialStamp, attempt.deviceId)],
    credentialStamp: user.credentialStamp,
  });
}

/**
 * `POST /auth/password` `{currentPassword, newPassword}`: needs a live session from a recent
 * login and the current password. Ends every other session of the user, rotates this one,
 * and voids every device cookie issued under the old password.
 */
export async function changePassword(
  context: AuthContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const begun = await beginAccountChange(context, request, 'newPassword', 'your password');
  if (!begun.ok) return begun.response;
  const { auth, current, next, deviceId, verdict } = begun;

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
          ended = await context.sessions.invalidateOtherSessions(auth.user.id, auth.session.id);
        },
      },
    );
    if (!changed) await context.throttle.recordFailure(verdict.attempt);
  } catch (error) {
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
    return errorResponse(
      401,
      'UNAUTHENTICATED',
      'The session ended during the change; log in again.',
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
  if (!context.registration) {
    return errorResponse(
      403,
      'EMAIL_CHANGE_DISABLED',
      'Changing the email is turned off on this server, as registration is.',
    );
  }
  const begun = await beginAccountChange(context, request, 'newEmail', 'your email');
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
  const { auth, current, next, stamp, deviceId, verdict } = begun;
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
    if (error.code === 'EMAIL_TAKEN') await context.throttle.recordFailure(verdict.attempt);
    return accountErrorResponse(error, 'currentPassword', 'newEmail');
  }
  if (user === null) {
    await context.throttle.recordFailure(verdict.attempt);
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
interface AccountChange {
  auth: Extract<RequestAuth, { authenticated: true }>;
  current: string;
  next: string;
  stamp: string;
  deviceId: string | null;
  verdict: Extract<ThrottleVerdict, { allowed: true }>;
}

/**
 * The start of a change to the account (its password, its email): a live session from a login
 * within the fresh-login window, the current password and the new value (`field`) from the body,
 * and the throttle's leave to check the password, under the login keys of the account. A success
 * is not recorded by the throttle: a change is not a login, and makes no address known. The
 * caller records a failure and releases the attempt.
 */
async function beginAccountChange(
  context: AuthContext,
  request: HttpRequest,
  field: 'newPassword' | 'newEmail',
  what: string,
): Promise<{ ok: false; response: HttpResponse } | ({ ok: true } & AccountChange)> {
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
  const next = stringField(body.fields, field, maxLength);
  if (!next.ok) return next;

  const ageMs = context.clock() - auth.session.createdAt.getTime();
  if (ageMs > context.freshLoginSeconds * 1000) {
    const response = errorResponse(
      403,
      'REAUTHENTICATION_REQUIRED',
      `Log in again to change ${what}: the login must be recent.`,
    );
    return { ok: false, response };
  }
  const stamp = await context.accounts.credentialStamp(auth.user.email);
  const deviceId = context.deviceCookie.read(request.header('cookie'), auth.user.email, stamp);
  const verdict = await context.throttle.check(
    { email: auth.user.email, address: request.clientAddress, deviceId, credentialStamp: stamp },
    { recordsSuccess: false },
  );
  if (!verdict.allowed) return { ok: false, response: throttled(verdict) };
  return { ok: true, auth, current: current.value, next: next.value, stamp, deviceId, verdict };
}

/** A login refused by the throttle: logged, and answered 429. */
function throttledLogin(
  context: AuthContext,
  request: HttpRequest,
  verdict: Extract<ThrottleVerdict, { allowed: false }>,
): HttpResponse {
  context.logger.log('warn', 'login.throttled', {
    scope: verdict.scope,
    client: request.clientAddress,
  });
  return throttled(verdict);
}

function throttled(
  verdict: Extract<ThrottleVerdict, { allowed: false }>,
  what: 'login' | 'registration' = 'login',
): HttpResponse {
  const seconds = verdict.retryAfterSeconds;
  const wait = `${seconds} second${seconds === 1 ? '' : 's'}`;
  const message =
    what === 'registration'
      ? verdict.scope === 'busy'
        ? `Another registration from this address is in progress. Try again in ${wait}.`
        : `Too many attempts from this address. Try again in ${wait}.`
      : verdict.scope === 'busy'
        ? `Another login to this account is in progress. Try again in ${wait}.`
        : `Too many failed attempts. Try again in ${wait}.`;
  return errorResponse(429, 'TOO_MANY_ATTEMPTS', message, {
    headers: [['Retry-After', String(seconds)]],
  });
}

function accountErrorResponse(
  error: AccountError,
  passwordField: string,
  emailField = 'email',
): HttpResponse {
  const message = sentence(error.message.replace(/^latchkey: /, ''));
  switch (error.code) {
    case 'EMAIL_TAKEN':
      return errorResponse(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
    case 'EMAIL_INVALID':
      return errorResponse(400, 'EMAIL_INVALID', 'This is not a valid email address.', {
        field: emailField,
      });
    case 'CHANGED_MEANWHILE':
      return errorResponse(
        409,
        'CHANGED_MEANWHILE',
        'The account changed while this was checked (its email or password): reload and retry.',
      );
    case 'EMAIL_UNCHANGED':
      return errorResponse(400, 'EMAIL_UNCHANGED', "This is already the account's email.", {
        field: emailField,
      });
    case 'PASSWORD_TOO_SHORT':
    case 'PASSWORD_TOO_LONG':
    case 'PASSWORD_TOO_COMMON':
      return errorResponse(400, error.code, message, { field: passwordField });
    case 'USER_NOT_FOUND':
      return errorResponse(404, 'NOT_FOUND', 'There is no such user.');
  }
}

/** A message as a sentence: capital first letter, full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The `{email, password}` of a register or login body, or the 4xx to send instead. */
async function readCredentials(
  request: HttpRequest,
): Promise<{ ok: true; email: string; password: string } | { ok: false; response: HttpResponse }> {
  const body = await readFields(request);
  if (!body.ok) return body;
  const email = stringField(body.fields, 'email', EMAIL_MAX_LENGTH);
  if (!email.ok) return email;
  const password = stringField(body.fields, 'password', PASSWORD_MAX_LENGTH);
  if (!password.ok) return password;
  return { ok: true, email: email.value, password: password.value };
}
