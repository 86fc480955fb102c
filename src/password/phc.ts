import type { Argon2idParameters } from './parameters.js';

/** What an Argon2id hash string says about how it was made. */
export interface Argon2idHashInfo {
  /** The cost recorded in the string (`m`, `t`, `p`). */
  parameters: Argon2idParameters;
  /** Length of the salt. Unit: bytes. Latchkey writes 16. */
  saltBytes: number;
  /** Length of the hash output (the tag). Unit: bytes. Latchkey writes 32. */
  outputBytes: number;
}

// The PHC string format (github.com/P-H-C/phc-string-format) exactly as Latchkey writes it:
// algorithm argon2id, version 19 (0x13, the only one RFC 9106 defines), then m, t and p in that
// order, each once, in decimal without a leading zero; salt and output in standard base64
// without padding. Salt from 8 bytes (RFC 9106 section 3.1's floor) to 64, output from 16 to 64.
// Anything else (another algorithm, a repeated or extra parameter, `keyid`/`data`) is refused,
// so that the cost checked here is the cost the hashing library would use.
const DECIMAL = '([1-9][0-9]{0,9})';
const BASE64 = '[A-Za-z0-9+/]';
const ARGON2ID_PHC = new RegExp(
  `^\\$argon2id\\$v=19\\$m=${DECIMAL},t=${DECIMAL},p=${DECIMAL}` +
    `\\$(${BASE64}{11,86})\\$(${BASE64}{22,86})$`,
);

/**
 * Reads an Argon2id hash string in the PHC format (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
 * Returns null for anything else: never throws, whatever the input.
 */
export function parseArgon2idHash(hash: unknown): Argon2idHashInfo | null {
  if (typeof hash !== 'string') return null;
  const match = ARGON2ID_PHC.exec(hash);
  if (match === null) return null;
  const [, m = '', t = '', p = '', salt = '', output = ''] = match;

  const saltBytes = base64Bytes(salt);
  const outputBytes = base64Bytes(output);
  if (saltBytes === null || outputBytes === null) return null;
  return {
    parameters: { memoryCostKib: Number(m), timeCost: Number(t), parallelism: Number(p) },
    saltBytes,
    outputBytes,
  };
}

/** Decoded length of unpadded base64, or null for a length no byte string encodes to. */
function base64Bytes(encoded: string): number | null {
  if (encoded.length % 4 === 1) return null;
  return Math.floor((encoded.length * 3) / 4);
}
