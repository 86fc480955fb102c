import { randomBytes } from 'node:crypto';

import { HashingThreadError, HashPool } from './hash-pool.js';
import { normalizePassword } from './normalize.js';
import { ARGON2ID_MAX_PARAMETERS, resolveArgon2idParameters } from './parameters.js';
import { parseArgon2idHash } from './phc.js';

import type { Argon2idParameters } from './parameters.js';

// What Latchkey writes: a 32-byte output and (the library's fixed choice) a 16-byte random salt,
// the lengths RFC 9106 section 4 recommends.
const OUTPUT_BYTES = 32;
const SALT_BYTES = 16;

// Shared by every hash and verification of the process.
const pool = new HashPool();

/**
 * Hashes a password with Argon2id (RFC 9106) for storage, returning a PHC string such as
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` that records its own salt and cost.
 *
 * The password is normalized to NFKC first (see `normalizePassword`) and is never truncated:
 * every code point counts, however long it is. Length rules belong to `checkPasswordPolicy`.
 *
 * The work runs off the event loop on worker threads of Latchkey's own, one per CPU, so other
 * requests keep being served while it runs: a burst of logins queues behind itself, never more
 * hashes run at once than there are CPUs, and on Linux those threads run at a lower priority
 * than the event loop, so a login storm does not slow other requests down. Each hash in flight
 * holds `memoryCostKib` of memory.
 *
 * Throws `HashingThreadError` when the hash could not be made: no hashing thread could start,
 * or the thread it ran on died, and so did the one it was run on again.
 *
 * @param options Argon2id cost. Default: `OWASP_ARGON2ID_PARAMETERS` (19 MiB, 2 passes,
 *   1 lane). Throws `ConfigError` when a value is outside what Argon2 allows or above
 *   {@link ARGON2ID_MAX_PARAMETERS}.
 */
export async function hashPassword(
  password: string,
  options?: Partial<Argon2idParameters>,
): Promise<string> {
  const parameters = resolveArgon2idParameters(options);
  // The algorithm is the library's default, Argon2id, version 0x13: its `Algorithm` enum is
  // declared `const`, which isolatedModules cannot read. The check below holds it to that.
  const encoded = await pool.hash(normalizePassword(password), {
    memoryCost: parameters.memoryCostKib,
    timeCost: parameters.timeCost,
    parallelism: parameters.parallelism,
    outputLen: OUTPUT_BYTES,
  });

  if (parseArgon2idHash(encoded) === null) {
    // Never store a hash that verifyPassword would refuse: that would lock the user out.
    throw new Error('latchkey: @node-rs/argon2 produced a hash that is not Argon2id v19');
  }
  return encoded;
}

/**
 * An Argon2id hash string with the cost of `options` (and the salt and output lengths
 * {@link hashPassword} writes) that no password verifies against: its salt and output are random
 * bytes, not the hash of anything, so a match would take finding an Argon2id preimage of 32 random
 * bytes. {@link verifyPassword} against it costs exactly what it costs against a real hash of the
 * same cost, and making it costs no hash at all: the stand-in for an account that does not exist.
 *
 * @param options As for {@link hashPassword}; throws `ConfigError` as it does.
 */
export function unmatchableHash(options?: Partial<Argon2idParameters>): string {
  const { memoryCostKib, timeCost, parallelism } = resolveArgon2idParameters(options);
  // PHC strings carry standard base64 without padding.
  const base64 = (bytes: number): string =>
    randomBytes(bytes).toString('base64').replace(/=+$/, '');
  return (
    `$argon2id$v=19$m=${memoryCostKib},t=${timeCost},p=${parallelism}` +
    `$${base64(SALT_BYTES)}$${base64(OUTPUT_BYTES)}`
  );
}

/**
 * Whether `password` is the one `hash` was made from. Runs on the hashing threads, like
 * {@link hashPassword}, and normalizes the password to NFKC the same way.
 *
 * A malformed, truncated or foreign hash (bcrypt, argon2i, an older Argon2 version), a hash
 * whose cost exceeds {@link ARGON2ID_MAX_PARAMETERS}, or a password that is not a string all give
 * false. Throws only `HashingThreadError`, when the check could not be made: no hashing thread
 * could start, or its thread died and so did the one it was run on again (the server then
 * answers 500, not 401).
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (typeof password !== 'string') return false;
  const info = parseArgon2idHash(hash);
  if (info === null || exceedsMaximum(info.parameters)) return false;

  try {
    return await pool.verify(hash, normalizePassword(password), info.parameters);
  } catch (error) {
    // A thread that died is the server's failure, not a wrong password: the login fails with an
    // error, and its owner is not charged a failed attempt.
    if (error instanceof HashingThreadError) throw error;
    // The library refuses some strings that pass the shape check (a salt or output that is not
    // canonical base64). To a caller that is just a hash this password does not match.
    return false;
  }
}

/**
 * Whether a stored hash should be replaced at the next successful login: true when it was made
 * with other parameters than `parameters` (weaker or stronger: the configured cost wins either
 * way), with another output or a shorter salt length than Latchkey writes, or is not an Argon2id
 * hash Latchkey can read. Cheap and synchronous: it only reads the string.
 *
 * @param parameters The cost new hashes are made with. Default: `OWASP_ARGON2ID_PARAMETERS`.
 *   Throws `ConfigError` when invalid, as {@link hashPassword} does.
 */
export function needsRehash(hash: string, parameters?: Partial<Argon2idParameters>): boolean {
  const current = resolveArgon2idParameters(parameters);
  const info = parseArgon2idHash(hash);
  if (info === null) return true;
  return (
    info.parameters.memoryCostKib !== current.memoryCostKib ||
    info.parameters.timeCost !== current.timeCost ||
    info.parameters.parallelism !== current.parallelism ||
    info.outputBytes !== OUTPUT_BYTES ||
    info.saltBytes < SALT_BYTES
  );
}

function exceedsMaximum(parameters: Argon2idParameters): boolean {
  return (
    parameters.memoryCostKib > ARGON2ID_MAX_PARAMETERS.memoryCostKib ||
    parameters.timeCost > ARGON2ID_MAX_PARAMETERS.timeCost ||
    parameters.parallelism > ARGON2ID_MAX_PARAMETERS.parallelism
  );
}
