import { randomFillSync } from 'node:crypto';
import { startupSnapshot } from 'node:v8';

/** Bytes of randomness in a session token: 256 bits, twice the 128-bit floor of OWASP ASVS. */
export const SESSION_TOKEN_BYTES = 32;

/** Length of a session token in characters: 32 bytes in unpadded base64url. */
export const SESSION_TOKEN_LENGTH = 43;

/** Bytes of randomness in a public identifier (session or user id): 128 bits. */
export const ID_BYTES = 16;

// RFC 4648 section 4, URL- and filename-safe alphabet, no padding: 32 bytes give 43 characters,
// and the last character carries only 4 bits, so it is one of 16 letters.
const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

// Random bytes are drawn from the CSPRNG a block at a time and handed out in order, each byte
// once, and wiped in the block as it goes. One `randomFillSync` call costs about as much for
// 4 KiB as for 32 bytes (the call, not the generator, is the cost: 2 to 3 µs, where a slice of
// the block costs 0.3), and a login draws four values (its session's token and id, a CSRF nonce,
// a device id). The block is this thread's own: worker threads each fill theirs.
const BLOCK_BYTES = 4_096;
// Larger draws go to the CSPRNG directly.
const DRAW_MAX_BYTES = 256;
const block = Buffer.alloc(BLOCK_BYTES);
let drawn = BLOCK_BYTES;
// The process that filled the block. A process started from a V8 startup snapshot
// (`node --build-snapshot`, a single executable application) begins with the heap of the one
// that built it: the block is wiped as the snapshot is taken, and a block filled by another
// process is never drawn from, or every process started from the snapshot would hand out the
// same tokens. (Node reseeds its CSPRNG in each such process; the block would not be.)
let filledBy = -1;
if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.addSerializeCallback(() => {
    block.fill(0);
    drawn = BLOCK_BYTES;
    filledBy = -1;
  });
}

/** Throws unless `size` is a whole number of bytes. */
function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`latchkey: cannot draw ${String(size)} random bytes`);
  }
}

/** The offset of `size` unused bytes in the block, refilling it when too few are left. */
function take(size: number): number {
  if (drawn + size > BLOCK_BYTES || filledBy !== process.pid) {
    randomFillSync(block);
    drawn = 0;
    filledBy = process.pid;
  }
  const start = drawn;
  drawn += size;
  return start;
}

/**
 * `size` bytes from the operating system's CSPRNG as unpadded base64url (RFC 4648 section 5),
 * for tokens, ids and nonces. No drawn byte is handed out twice.
 */
export function randomBase64url(size: number): string {
  checkSize(size);
  if (size > DRAW_MAX_BYTES) return randomFillSync(Buffer.alloc(size)).toString('base64url');
  const start = take(size);
  const text = block.toString('base64url', start, start + size);
  block.fill(0, start, start + size);
  return text;
}

/** `size` bytes from the operating system's CSPRNG, in a buffer of their own. */
export function randomBytesOf(size: number): Buffer {
  checkSize(size);
  const out = Buffer.alloc(size);
  if (size > DRAW_MAX_BYTES) return randomFillSync(out);
  const start = take(size);
  block.copy(out, 0, start, start + size);
  block.fill(0, start, start + size);
  return out;
}

/**
 * A new session token: 256 bits from the operating system's CSPRNG, encoded as unpadded
 * base64url (RFC 4648 section 5), 43 characters, safe in a cookie value without quoting.
 * It goes to the client only; stores keep `hashToken(token)`.
 */
export function generateSessionToken(): string {
  return randomBase64url(SESSION_TOKEN_BYTES);
}

/**
 * Whether `value` has the exact shape of a token from {@link generateSessionToken}. Lets callers
 * refuse junk (wrong length, other alphabet) before touching the store. Never throws.
 */
export function isWellFormedSessionToken(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === SESSION_TOKEN_LENGTH &&
    SESSION_TOKEN_PATTERN.test(value)
  );
}

/**
 * A new public identifier: 128 random bits as 26 characters of lowercase base32
 * (RFC 4648 section 6 alphabet, no padding). Safe in URLs, logs and file names; says nothing
 * about the token it sits beside.
 */
export function generateId(): string {
  return encodeBase32LowerCaseNoPadding(randomBytesOf(ID_BYTES));
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lowercase RFC 4648 base32 without padding. */
export function encodeBase32LowerCaseNoPadding(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >>> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}
