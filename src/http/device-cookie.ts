import { normalizeEmail } from '../accounts/email.js';
import { getCookie, serializeSetCookie } from '../cookie/index.js';
import { randomBase64url } from '../token/random.js';

import type { KeyRing } from '../token/keyring.js';

const NAME = '__Host-latchkey_device';
/** The device cookie's name with and without Secure. */
export const DEVICE_COOKIE_NAMES: readonly string[] = [NAME, NAME.slice('__Host-'.length)];
const PURPOSE = 'latchkey.device.v1';
const VALUE_PATTERN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/**
 * How long a browser stays a known device for an account after logging in to it. Unit:
 * seconds. 180 days.
 */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 86_400;

/**
 * A "device cookie" (OWASP's defence against lockout attacks): after a successful login the
 * browser gets a signed, HttpOnly marker saying it has logged in to this account before. Login
 * throttling then counts its failures on their own, so an attacker who floods the account with
 * wrong passwords from elsewhere does not hold up its owner. It grants nothing by itself.
 */
export class DeviceCookie {
  readonly #keys: KeyRing;
  readonly #secure: boolean;

  constructor(keys: KeyRing, options: { secure: boolean }) {
    this.#keys = keys;
    this.#secure = options.secure;
  }

  /**
   * The device id in the request's cookie if it was issued for this account under its
   * current password (`credentialStamp`), else null: a password change voids every earlier
   * device cookie, so one stolen before it is worth nothing after.
   */
  read(cookieHeader: string | undefined, email: string, credentialStamp: string): string | null {
    const value = cookieHeader === undefined ? undefined : getCookie(cookieHeader, this.#name());
    if (value === undefined || !VALUE_PATTERN.test(value)) return null;
    const [deviceId = '', mac = ''] = value.split('.');
    // Checked for an email with no account (stamp '') too, and then refused: skipping the check
    // there would answer those sooner, telling by timing which emails have accounts.
    const valid = this.#keys.verify(message(email, credentialStamp, deviceId), mac);
    return valid && credentialStamp !== '' ? deviceId : null;
  }

  /**
   * `Set-Cookie` marking this browser as a known device of the account under its current
   * password (keeping its id when it had one).
   */
  issue(email: string, credentialStamp: string, deviceId: string | null): string {
    const id = deviceId ?? randomBase64url(16);
    const mac = this.#keys.sign(message(email, credentialStamp, id));
    return serializeSetCookie(this.#name(), `${id}.${mac}`, {
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
      path: '/',
      secure: this.#secure,
      httpOnly: true,
      sameSite: 'Strict',
    });
  }

  #name(): string {
    // The __Host- prefix needs Secure; a plain-HTTP development setup gets the bare name.
    return this.#secure ? NAME : NAME.slice('__Host-'.length);
  }
}

function message(email: string, credentialStamp: string, deviceId: string): string {
  const account = normalizeEmail(email) ?? email.trim().toLowerCase();
  return `${PURPOSE}.${account}.${credentialStamp}.${deviceId}`;
}
