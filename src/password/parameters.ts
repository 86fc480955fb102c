import { ConfigError } from '../errors.js';

/**
 * The cost of one Argon2id hash (RFC 9106 section 3.1). Every hash records the parameters it
 * was made with, so changing them never locks anybody out: old hashes still verify, and are
 * replaced at the next login (see `needsRehash`).
 */
export interface Argon2idParameters {
  /**
   * Memory filled by one hash (`m` in the hash string). Unit: KiB (1,024 bytes).
   * Default: 19,456 (19 MiB). Each hash running at the same time holds this much.
   */
  readonly memoryCostKib: number;
  /** Passes over that memory (`t` in the hash string). Unit: passes. Default: 2. */
  readonly timeCost: number;
  /** Independent lanes the memory is split into (`p` in the hash string). Default: 1. */
  readonly parallelism: number;
}

/**
 * The default: the minimum the OWASP Password Storage Cheat Sheet recommends for Argon2id,
 * 19 MiB of memory, 2 passes, 1 lane: from a few to a few tens of milliseconds per hash,
 * depending on the CPU.
 * Raise it when the hardware allows; never lower it below this in production.
 */
export const OWASP_ARGON2ID_PARAMETERS: Argon2idParameters = Object.freeze({
  memoryCostKib: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * The largest parameters Latchkey will hash with or verify: 256 MiB, 16 passes, 16 lanes.
 * A hash string names its own cost, so without a ceiling one corrupt or tampered record
 * (`m=4294967295`) would make a login allocate terabytes and kill the process, and a huge `t`
 * would hold a thread for hours. Hashes above it never verify; parameters above it are refused.
 */
export const ARGON2ID_MAX_PARAMETERS: Argon2idParameters = Object.freeze({
  memoryCostKib: 262_144,
  timeCost: 16,
  parallelism: 16,
});

// The frozen results of resolveArgon2idParameters.
const RESOLVED = new WeakSet<object>();

/**
 * Fills in the OWASP defaults and checks the result. Throws {@link ConfigError} naming the
 * option, the rule and the fix; call it once at start-up so that mistakes surface there.
 */
export function resolveArgon2idParameters(
  input: Partial<Argon2idParameters> = {},
): Argon2idParameters {
  // What this returned before is returned as it is: a login's `needsRehash` passes it again.
  if (RESOLVED.has(input)) return input as Argon2idParameters;
  const parameters: Argon2idParameters = { ...OWASP_ARGON2ID_PARAMETERS, ...stripUndefined(input) };
  for (const key of ['memoryCostKib', 'timeCost', 'parallelism'] as const) {
    const value = parameters[key];
    const max = ARGON2ID_MAX_PARAMETERS[key];
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new ConfigError(
        `argon2id.${key}`,
        `must be a whole number from 1 to ${max}; set it within that range ` +
          `(the OWASP minimum is ${OWASP_ARGON2ID_PARAMETERS[key]})`,
      );
    }
  }
  // RFC 9106 section 3.1: m is "from 8*p to 2^32-1" KiB, so that every lane holds at least
  // two 1 KiB blocks in each of its four slices.
  if (parameters.memoryCostKib < 8 * parameters.parallelism) {
    throw new ConfigError(
      'argon2id.memoryCostKib',
      'must be at least 8 KiB per lane (8 × parallelism, RFC 9106 section 3.1); ' +
        'raise it or lower argon2id.parallelism',
    );
  }
  const resolved = Object.freeze(parameters);
  RESOLVED.add(resolved);
  return resolved;
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
