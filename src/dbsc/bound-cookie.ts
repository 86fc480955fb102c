import { getCookieValues, serializeSetCookie } from '../cookie/index.js';

import type { KeyRing } from '../token/keyring.js';

// Domain separation: no other MAC Latchkey makes can pass as a bound cookie.
const PURPOSE = 'latchkey.dbsc.bound.v1';
const VALUE_PATTERN = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;

/** The attributes of the bound cookie, which the session instructions repeat to the browser. */
export interface BoundCookieAttributes {
  path: string;
  secure: true;
  httpOnly: true;
  sameSite: 'Strict' | 'Lax' | 'None';
}

/**
 * The short-lived cookie of a device-bound session. The browser gets a fresh one only by
 * proving, with the private key it registered, that it is the same device; a copy taken off
 * the machine stops working when it expires.
 *
 * Its value is an expiry and an HMAC-SHA-256 over the expiry and a subject naming the binding
 * (the key's thumbprint and when it was bound), so it is good only for the binding it was
 * issued for, and checking it costs one HMAC and no store read.
 */
export class BoundCookie {
  /** The cookie's name. */
  readonly name: string;
  /** How long each cookie lasts. Unit: seconds. */
  readonly lifetimeSeconds: number;
  readonly attributes: BoundCookieAttributes;
  readonly #keys: KeyRing;

  constructor(
    keys: KeyRing,
    options: { name: string; lifetimeSeconds: number; sameSite: 'Strict' | 'Lax' | 'None' },
  ) {
    this.#keys = keys;
    this.name = options.name;
    this.lifetimeSeconds = options.lifetimeSeconds;
    this.attributes = { path: '/', secure: true, httpOnly: true, sameSite: options.sameSite };
    // A name or attribute a browser would refuse fails here, at start-up.
    this.serialize('x', 0);
  }

  /** `Set-Cookie` for a fresh bound cookie for this subject. */
  issue(subject: string, nowMs: number): string {
    const expires = Math.floor(nowMs / 1000) + this.lifetimeSeconds;
    const value = `${expires.toString(36)}.${this.#mac(subject, expires)}`;
    return this.serialize(value, this.lifetimeSeconds);
  }

  /** `Set-Cookie` that removes the bound cookie. */
  clear(): string {
    return this.serialize('', 0);
  }

  /**
   * Whether the request's cookies hold a bound cookie issued for this subject that
   * has not expired at `nowMs`. With several values under the name (a sibling subdomain can
   * plant one), one good value is enough: a planted value cannot be good without the secret.
   */
  isValid(cookieHeader: string | undefined, subject: string, nowMs: number): boolean {
    if (cookieHeader === undefined) return false;
    const values = getCookieValues(cookieHeader, this.name);
    let valid = false;
    for (const value of values.slice(0, 4)) {
      const match = VALUE_PATTERN.exec(value);
      if (match === null) continue;
      const expires = Number.parseInt(match[1] ?? '', 36);
      if (!Number.isSafeInteger(expires) || expires * 1000 <= nowMs) continue;
      // Not sooner than it could have been issued: a value from a misconfigured lifetime (or
      // a forged far-future one, were the secret ever lost) lasts no longer than allowed.
      if (expires * 1000 > nowMs + (this.lifetimeSeconds + 60) * 1000) continue;
      if (this.#keys.verify(this.#message(subject, expires), match[2] ?? '')) valid = true;
    }
    return valid;
  }

  serialize(value: string, maxAgeSeconds: number): string {
    return serializeSetCookie(this.name, value, { ...this.attributes, maxAge: maxAgeSeconds });
  }

  #mac(subject: string, expires: number): string {
    return this.#keys.sign(this.#message(subject, expires));
  }

  #message(subject: string, expires: number): string {
    return `${PURPOSE}.${subject}.${expires}`;
  }
}
