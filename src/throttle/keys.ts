import { hash } from 'node:crypto';
import { isIP } from 'node:net';

import { normalizeEmail } from '../accounts/email.js';

/** Who is trying to log in, as the throttle counts them. */
export interface LoginAttempt {
  /** The email as typed (it is normalized and hashed before it becomes a key). */
  email: string;
  /** The client's address (after trusted proxies). */
  address: string;
  /**
   * A device that has logged in to this account since its password last changed (a verified
   * device cookie's id), or null.
   */
  deviceId: string | null;
  /**
   * A fingerprint of the account's current password hash (`Accounts.credentialStamp`), or ''
   * for an email with no account. Known addresses are remembered under it, so a password
   * change forgets them.
   */
  credentialStamp: string;
}

/** The store keys one attempt touches. Hashed: the store never holds an email address. */
export interface AttemptKeys {
  /** Failures from the client's address (IPv6: its /64), whatever the account; null when the address is unknown (''). */
  address: string | null;
  /** Failures against the whole account. */
  account: string;
  /** Failures from one known device of the account. */
  device: string | null;
  /** Failures against the account from one address that has logged in to it before. */
  accountAtAddress: string;
  /** Marker: this address has logged in to this account (under this password) lately. */
  knownAddress: string;
}

/** The keys of an attempt. */
export function attemptKeys(attempt: LoginAttempt): AttemptKeys {
  // The account's own canonical email, so every spelling that reaches an account counts
  // against it; what is not an email at all is counted as typed.
  const email = normalizeEmail(attempt.email) ?? attempt.email.trim().toLowerCase();
  const bucket = addressBucket(attempt.address);
  return {
    address: addressKey(attempt.address),
    account: `login:account:${sha256(email)}`,
    device:
      attempt.deviceId === null ? null : `login:device:${sha256(`${email}\0${attempt.deviceId}`)}`,
    accountAtAddress: `login:account-address:${sha256(`${email}\0${bucket}`)}`,
    knownAddress: `login:known:${sha256(`${email}\0${attempt.credentialStamp}\0${bucket}`)}`,
  };
}

/** The key of an address's failures, whatever the account; null for an unknown address (''). */
export function addressKey(address: string): string | null {
  return address === '' ? null : `login:address:${addressBucket(address)}`;
}

/** The key of an address's registrations; null for an unknown address (''). */
export function registrationKey(address: string): string | null {
  return address === '' ? null : `register:address:${addressBucket(address)}`;
}

/**
 * IPv6 clients usually hold a whole /64, so counting single addresses would let one client
 * rotate through 2^64 of them; the /64 is counted instead. An IPv4-mapped address
 * (`::ffff:192.0.2.1`, as a dual-stack socket reports an IPv4 client) is that IPv4 address.
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') {
    const [high = 0, low = 0] = groups.slice(6).map((group) => Number.parseInt(group, 16));
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(written: string): string[] {
  // A final dotted quad (RFC 4291 section 2.2, form 3) stands for the last two groups.
  const address = written.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_quad, a: string, b: string, c: string, d: string) => `${group(a, b)}:${group(c, d)}`,
  );
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) =>
    group.replace(/^0+(?=.)/, ''),
  );
}

/** Two bytes written in decimal as one IPv6 group in hex. */
function group(high: string, low: string): string {
  return ((Number(high) << 8) | Number(low)).toString(16);
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
