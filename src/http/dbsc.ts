import { BoundCookie } from '../dbsc/bound-cookie.js';
import { keyThumbprint } from '../dbsc/proof.js';
import { ConfigError } from '../errors.js';

import type { SessionBinding } from '../session/types.js';
import type { KeyRing } from '../token/keyring.js';

/**
 * Device Bound Session Credentials (W3C WebAppSec draft): the browser keeps a private key for
 * the session, and the server hands out a short-lived cookie only to a browser that proves it
 * holds that key. Every default is the secure choice except `enabled`, which is off until
 * more browsers than Chromium run the protocol.
 */
export interface DbscOptions {
  /**
   * Offer DBSC at every login over HTTPS. Browsers without it ignore the offer and keep
   * working as before. Default: false.
   */
  enabled?: boolean;
  /**
   * Name of the short-lived bound cookie. Default: `__Host-auth_bound`. It must be a name a
   * browser accepts with `Path=/; Secure; HttpOnly`.
   */
  cookieName?: string;
  /**
   * How long each bound cookie lasts: how long a copy taken off the machine keeps working.
   * Unit: seconds. Default: 600 (10 minutes); at least 10, at most 86,400. Under 300 a
   * warning is logged at start: Chromium refreshes once under ~120 s are left and signs only
   * ~5 refreshes per session in 8 minutes, after which its requests go without the cookie.
   */
  cookieLifetimeSeconds?: number;
  /** How long a challenge may wait for its proof. Unit: seconds. Default: 60; 5 to 600. */
  challengeSeconds?: number;
}

/** The resolved DBSC settings in the HTTP context. */
export interface DbscSettings {
  enabled: boolean;
  boundCookie: BoundCookie;
  challengeSeconds: number;
}

/** Checks the DBSC options once, at start-up. */
export function resolveDbsc(
  keys: KeyRing,
  options: DbscOptions | undefined,
  context: {
    secureCookie: boolean;
    sameSite: 'Strict' | 'Lax' | 'None';
    canBind: boolean;
    /** Names of Latchkey's other cookies, which the bound cookie must not overwrite. */
    otherCookies: readonly string[];
  },
): DbscSettings {
  const enabled = options?.enabled ?? false;
  const lifetime = wholeNumber(
    'dbsc.cookieLifetimeSeconds',
    options?.cookieLifetimeSeconds,
    600,
    10,
    86_400,
  );
  const challengeSeconds = wholeNumber(
    'dbsc.challengeSeconds',
    options?.challengeSeconds,
    60,
    5,
    600,
  );
  if (enabled && !context.secureCookie) {
    throw new ConfigError(
      'dbsc.enabled',
      'DBSC runs over HTTPS only; it cannot be on with cookie.secure false',
    );
  }
  if (enabled && !context.canBind) {
    throw new ConfigError(
      'dbsc.enabled',
      'the session store cannot keep keys with sessions (it has no bindSession method)',
    );
  }
  const name = options?.cookieName ?? '__Host-auth_bound';
  if (context.otherCookies.includes(name)) {
    throw new ConfigError(
      'dbsc.cookieName',
      `"${name}" is already the name of another Latchkey cookie; the bound cookie would ` +
        'overwrite it. Give it a name of its own',
    );
  }
  let boundCookie: BoundCookie;
  try {
    boundCookie = new BoundCookie(keys, {
      name,
      lifetimeSeconds: lifetime,
      sameSite: context.sameSite,
    });
  } catch (error) {
    throw new ConfigError(
      'dbsc.cookieName',
      error instanceof Error ? error.message : String(error),
    );
  }
  return { enabled, boundCookie, challengeSeconds };
}

/** The DBSC session identifier of a binding: its key's RFC 7638 thumbprint. */
export function bindingIdentifier(binding: SessionBinding): string {
  return keyThumbprint(binding.publicKey);
}

/**
 * What a bound cookie is issued for: the key, and the user, creation time and binding time of
 * the session, which it keeps through rotation and no other session shares; so a bound cookie
 * is good for one session only, even were one key bound to two.
 */
export function boundCookieSubject(
  session: { userId: string; createdAt: Date },
  binding: SessionBinding,
): string {
  const times = [session.createdAt, binding.boundAt].map((date) => date.getTime().toString(36));
  return [keyThumbprint(binding.publicKey), session.userId, ...times].join('.');
}

function wholeNumber(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < min || resolved > max) {
    throw new ConfigError(option, `must be a whole number from ${min} to ${max}`);
  }
  return resolved;
}
