import type { BindingAlgorithm, SessionBinding } from '../session/types.js';

/**
 * How the SQLite, PostgreSQL and Redis stores keep a session's binding: one compact JSON text,
 * `{"alg":"ES256","jwk":{...},"boundAt":<ms>}`, where `jwk` holds the public key's members (all
 * strings) and `boundAt` is milliseconds since the Unix epoch. An unbound session has no value
 * at all (SQL NULL, no hash field), never a JSON `null`.
 *
 * Reading is strict: a value of any other shape throws, and the store reports the lookup as a
 * failure (`StoreUnavailableError`). Reading it as "unbound" instead would let the session token
 * alone authenticate a session whose key was lost to a bad manual edit.
 */

const ALGORITHMS: readonly BindingAlgorithm[] = ['ES256', 'RS256'];

/**
 * The stored text of `binding`. Throws a TypeError for a binding that could not be read back
 * (an unknown algorithm, a key member that is not a string, an invalid date), so that a
 * caller's mistake fails the write instead of every later lookup of the session.
 */
export function encodeBinding(binding: SessionBinding): string {
  const boundAt = binding.boundAt instanceof Date ? binding.boundAt.getTime() : Number.NaN;
  const stored = { alg: binding.algorithm, jwk: binding.publicKey, boundAt };
  if (readBinding(stored) === null) {
    throw new TypeError(
      'latchkey: a session binding needs algorithm ES256 or RS256, a public key whose members ' +
        'are all strings, and a valid boundAt date',
    );
  }
  return JSON.stringify(stored);
}

/**
 * The binding a stored text holds, its key in a fresh plain object; throws when the text is not
 * JSON of the stored shape (a JSON `null` included).
 */
export function decodeBinding(text: string): SessionBinding {
  const binding = readBinding(JSON.parse(text));
  if (binding === null) throw new Error('latchkey: malformed session binding in the store');
  return binding;
}

/**
 * A fresh copy of `binding` (new key object, new date), or null for null and undefined: what a
 * store hands out, so that callers never share its state.
 */
export function copyBinding(binding: SessionBinding | null | undefined): SessionBinding | null {
  if (binding === null || binding === undefined) return null;
  return {
    algorithm: binding.algorithm,
    publicKey: Object.fromEntries(Object.entries(binding.publicKey)),
    boundAt: new Date(binding.boundAt),
  };
}

function readBinding(value: unknown): SessionBinding | null {
  if (!isPlainObject(value)) return null;
  const { alg, jwk, boundAt } = value;
  if (Object.keys(value).length !== 3) return null;
  if (!ALGORITHMS.includes(alg as BindingAlgorithm)) return null;
  if (!isPlainObject(jwk) || !Object.values(jwk).every((member) => typeof member === 'string')) {
    return null;
  }
  // Date's own range: a larger number would make an Invalid Date.
  if (!Number.isSafeInteger(boundAt) || Math.abs(boundAt as number) > 8.64e15) return null;
  return {
    algorithm: alg as BindingAlgorithm,
    // Object.fromEntries defines each member, so a member named __proto__ stays a member.
    publicKey: Object.fromEntries(Object.entries(jwk as Record<string, string>)),
    boundAt: new Date(boundAt as number),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
