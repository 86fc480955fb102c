import { AccountError, StoreUnavailableError } from '../../errors.js';
import { describeError } from '../../log.js';
import { readFields, stringField } from '../body.js';
import { errorResponse } from '../respond.js';
import { startSession } from './start-session.js';

import type { User } from '../../accounts/types.js';
import type { LoginAttempt, ThrottleVerdict } from '../../throttle/index.js';
import type { AuthContext } from '../context.js';
import type { HttpRequest, HttpResponse } from '../types.js';

// RFC 5321 caps a forward path at 256 octets; passwords beyond the policy's maximum cannot
// match a stored hash, and bounding them keeps hashing cost bounded.
export const EMAIL_MAX_LENGTH = 320;
export const PASSWORD_MAX_LENGTH = 1024;

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
export async function afterAccountChange(
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

export function throttled(
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

export function accountErrorResponse(
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
    case 'PASSWORD_UNCHANGED':
      return errorResponse(
        400,
        'PASSWORD_UNCHANGED',
        'The new password is the current one; choose another.',
        { field: passwordField },
      );
    case 'USER_NOT_FOUND':
      // The account was deleted before or while the change was checked, its sessions with it.
      return errorResponse(
        401,
        'UNAUTHENTICATED',
        'The account no longer exists (it was deleted); nothing was changed.',
      );
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
