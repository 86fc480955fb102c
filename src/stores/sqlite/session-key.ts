import { hash } from 'node:crypto';

/**
 * The SQL name of {@link sessionKeyOf}, registered on a connection while it migrates (schema
 * version 4 computes the key of every stored session). The schema itself never calls it, so
 * any SQLite tool can still read the file and change its rows; but a session inserted by hand
 * must be given its key (this function's value), or no lookup will find it.
 */
export const SESSION_KEY_FUNCTION = 'latchkey_session_key';

/**
 * A session's rowid in the `sessions` table (schema version 4 and later): 64 bits of its token
 * hash, as a signed integer. The table is keyed by it, so that finding a session by its token
 * hash is one B-tree search instead of an index's and then the table's.
 *
 * A token hash from `hashToken` is 64 hex characters of SHA-256 output; its last 16 are as good a
 * key as any and cost next to nothing to take, and so are those of any string of 64 characters that
 * ends in 16 lowercase hex digits. Any other string (a store's caller may use its own hashes) gets
 * the first 8 bytes of its SHA-256 instead. The whole hash is kept in the row and compared on every
 * lookup; two hashes that share a key cannot both be stored, which for random tokens happens about
 * once in 2^64 / n insertions with n live sessions (for a million, once in 18 trillion logins) and
 * then fails that one insert as a taken session id does.
 */
export function sessionKeyOf(tokenHash: string): bigint {
  if (tokenHash.length === 64) {
    const last = tokenHash.slice(48);
    if (HEX_16.test(last)) return BigInt.asIntN(64, BigInt(`0x${last}`));
  }
  return hash('sha256', tokenHash, 'buffer').readBigInt64BE(0);
}

const HEX_16 = /^[0-9a-f]{16}$/;
