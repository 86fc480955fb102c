import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** Well-formed hashes of two Argon2id costs, for the stand-in below (which reads neither). */
export const COST_A = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';
export const COST_B = '$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';

/**
 * A stand-in for @node-rs/argon2, for a `HashPool`'s threads to load (its second argument): a
 * verification of `match:<ms>` takes that long and matches, `miss:<ms>` does not, `refuse` throws
 * at once (as the library does for a malformed hash), and `exit` ends the thread. With
 * `dieOnLoad`, every thread that loads it exits at once. Removed when the test file ends.
 */
export function standInArgon2(options: { dieOnLoad?: boolean } = {}): string {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-argon2-'));
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });
  const path = join(folder, 'argon2.cjs');
  writeFileSync(
    path,
    `${options.dieOnLoad === true ? 'process.exit(5);' : ''}
    const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    exports.verifySync = (hash, password) => {
      const [verdict, ms] = password.split(':');
      if (verdict === 'exit') process.exit(3);
      if (verdict === 'refuse') throw new Error('Decoding failed');
      pause(Number(ms));
      return verdict === 'match';
    };
    exports.hashSync = () => { throw new Error('not in this stand-in'); };`,
  );
  return path;
}
