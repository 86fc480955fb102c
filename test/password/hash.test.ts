import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { verify as argon2Verify } from '@node-rs/argon2';
import fc from 'fast-check';

import { ConfigError } from '../../src/errors.js';
import {
  ARGON2ID_MAX_PARAMETERS,
  OWASP_ARGON2ID_PARAMETERS,
  hashPassword,
  needsRehash,
  resolveArgon2idParameters,
  verifyPassword,
} from '../../src/password/index.js';
import { unmatchableHash } from '../../src/password/hash.js';
import { parseArgon2idHash } from '../../src/password/phc.js';

// Cheap parameters for tests about the string format rather than the cost.
const CHEAP = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };

function isConfigError(option: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.option, option);
    return true;
  };
}

describe('hashPassword and verifyPassword', () => {
  it('a hash verifies with the password it was made from', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
  });

  it('a wrong password does not verify', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false);
    assert.equal(await verifyPassword(hash, ''), false);
  });

  it('the same password hashes differently each time (a fresh salt)', async () => {
    const [a, b] = await Promise.all([hashPassword('same', CHEAP), hashPassword('same', CHEAP)]);
    assert.notEqual(a, b);
  });

  it('the hash string encodes Argon2id v19 with m=19456, t=2, p=1 by default', async () => {
    const hash = await hashPassword('anything at all');
    // 16-byte salt (22 base64 characters) and 32-byte output (43 characters), no padding.
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(OWASP_ARGON2ID_PARAMETERS, {
      memoryCostKib: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
  });

  it('overridden parameters are the ones recorded in the hash', async () => {
    const hash = await hashPassword('anything at all', { memoryCostKib: 512, timeCost: 3 });
    assert.match(hash, /^\$argon2id\$v=19\$m=512,t=3,p=1\$/);
    assert.equal(await verifyPassword(hash, 'anything at all'), true);
  });

  it('NFKC-equivalent passwords verify: the same password typed on two keyboards', async () => {
    const pairs = [
      ['caf\u00e9 cr\u00e8me', 'cafe\u0301 cre\u0300me'], // precomposed / combining accents
      ['\uff30\uff41\uff53\uff53\uff57\uff4f\uff52\uff44', 'Password'], // full-width / ASCII
      ['\ufb01nance\u2460', 'finance1'], // ligature "fi", circled digit one
      ['\uac00\ub098\ub2e4', '\u1100\u1161\u1102\u1161\u1103\u1161'], // Hangul syllables / jamo
    ] as const;
    for (const [stored, typed] of pairs) {
      const hash = await hashPassword(stored, CHEAP);
      assert.equal(await verifyPassword(hash, typed), true, `${stored} / ${typed}`);
      assert.equal(await verifyPassword(hash, `${typed}x`), false);
    }
  });

  it('a 256-character password is hashed whole: changing only its last character fails', async () => {
    const password = 'a'.repeat(72) + 'b'.repeat(183) + 'c';
    assert.equal(password.length, 256);
    const hash = await hashPassword(password);
    assert.equal(await verifyPassword(hash, password), true);
    assert.equal(await verifyPassword(hash, `${password.slice(0, 255)}d`), false);
    // bcrypt would stop at byte 72; Argon2id must not.
    assert.equal(await verifyPassword(hash, password.slice(0, 72)), false);
    assert.equal(await verifyPassword(hash, `${password}c`), false);
  });

  it('a NUL character is part of the password, not its end', async () => {
    const hash = await hashPassword('pass\u0000word one', CHEAP);
    assert.equal(await verifyPassword(hash, 'pass'), false);
    assert.equal(await verifyPassword(hash, 'pass\u0000word two'), false);
    assert.equal(await verifyPassword(hash, 'pass\u0000word one'), true);
  });

  it('refuses parameters outside what Argon2 allows or above the ceiling, naming the option', async () => {
    const cases = [
      [{ memoryCostKib: 0 }, 'argon2id.memoryCostKib'],
      [{ memoryCostKib: ARGON2ID_MAX_PARAMETERS.memoryCostKib + 1 }, 'argon2id.memoryCostKib'],
      [{ timeCost: 1.5 }, 'argon2id.timeCost'],
      [{ timeCost: Number.NaN }, 'argon2id.timeCost'],
      [{ parallelism: 0 }, 'argon2id.parallelism'],
      [{ memoryCostKib: 31, parallelism: 4 }, 'argon2id.memoryCostKib'],
    ] as const;
    for (const [options, option] of cases) {
      await assert.rejects(hashPassword('x', options), isConfigError(option));
      assert.throws(() => needsRehash('x', options), isConfigError(option));
    }
  });

  it('hands back resolved parameters as they are, and checks again anything else', () => {
    const resolved = resolveArgon2idParameters({ timeCost: 3 });
    assert.equal(resolveArgon2idParameters(resolved), resolved);
    assert.ok(Object.isFrozen(resolved));
    // A copy is not what was resolved: changed after the fact, it is checked afresh.
    const copy = { ...resolved };
    copy.timeCost = ARGON2ID_MAX_PARAMETERS.timeCost + 1;
    assert.throws(() => resolveArgon2idParameters(copy), isConfigError('argon2id.timeCost'));
    // Nor is a wrapper around it (which could not lie about its frozen members anyway).
    const wrapped = new Proxy(resolved, {});
    assert.notEqual(resolveArgon2idParameters(wrapped), wrapped);
    assert.deepEqual(resolveArgon2idParameters(wrapped), resolved);
  });
});

describe('verifyPassword on hostile input', () => {
  const valid = '$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43);

  it('malformed or foreign hashes are false, and never throw', async () => {
    const real = await hashPassword('secret', CHEAP);
    const [, , , , salt = '', output = ''] = real.split('$');
    const malformed: unknown[] = [
      '',
      'x',
      '$argon2id$',
      real.slice(0, -1),
      `${real}A`,
      `${real}$`,
      ` ${real}`,
      real.toUpperCase(),
      real.replace('$argon2id$', '$argon2i$'),
      real.replace('$argon2id$', '$argon2d$'),
      real.replace('v=19', 'v=16'),
      real.replace('v=19$', ''),
      real.replace(',p=1', ''),
      real.replace('m=256', 'm=0256'),
      real.replace('m=256,t=1', 't=1,m=256'),
      real.replace('p=1$', 'p=1,keyid=abc$'),
      `$argon2id$v=19$m=256,t=1,p=1$${salt}$${output.slice(0, 10)}`,
      `$argon2id$v=19$m=256,t=1,p=1$$${output}`,
      `$argon2id$v=19$m=256,t=1,p=1$${salt}$${output}==`,
      '$argon2id$v=19$m=4,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43),
      '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy',
      'pbkdf2_sha256$600000$salt$hash',
      valid.replace('AAAA', 'AA\u0000A'),
      null,
      undefined,
      42,
      {},
      Buffer.from(real),
    ];
    for (const hash of malformed) {
      assert.equal(await verifyPassword(hash as string, 'secret'), false, String(hash));
    }
  });

  it('a password that is not a string is false, never a throw', async () => {
    const hash = await hashPassword('secret', CHEAP);
    for (const password of [null, undefined, 42, {}, ['secret'], Buffer.from('secret')]) {
      assert.equal(await verifyPassword(hash, password as string), false);
    }
  });

  it('a corrupt hash naming a huge cost is refused without running it (resource exhaustion)', async () => {
    // Verified as written, the first would try to allocate 4 TiB and the second would hold a
    // thread for days. Both must be turned down by reading the string, in well under a hash.
    const hostile = [
      valid.replace('m=256', 'm=4294967295'),
      valid.replace('t=1', 't=4294967295'),
      valid.replace('p=1', 'p=255'),
      valid.replace('m=256', `m=${ARGON2ID_MAX_PARAMETERS.memoryCostKib + 1}`),
      valid.replace('t=1', `t=${ARGON2ID_MAX_PARAMETERS.timeCost + 1}`),
      valid.replace('m=256', 'm=99999999999'),
    ];
    // The template is a well-formed hash, so each case differs from one only in its cost.
    assert.equal(needsRehash(valid, CHEAP), false);
    for (const hash of hostile) {
      assert.notEqual(hash, valid);
      const started = performance.now();
      assert.equal(await verifyPassword(hash, 'secret'), false);
      assert.ok(performance.now() - started < 50, `${hash} took too long`);
    }
  });

  it('never throws for any hash string and any password (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), fc.string(), async (hash, password) => {
        assert.equal(await verifyPassword(hash, password), false);
      }),
      { numRuns: 300 },
    );
  });

  it('a hash changed in one character never verifies a wrong password nor throws (property)', async () => {
    const hash = await hashPassword('secret', CHEAP);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: hash.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary-ascii' }),
        async (index, char) => {
          const mutated = hash.slice(0, index) + char + hash.slice(index + 1);
          const verdict = await verifyPassword(mutated, 'other password');
          assert.equal(verdict, false);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('needsRehash', () => {
  it('is false for a hash made with the current parameters', async () => {
    assert.equal(needsRehash(await hashPassword('secret')), false);
    assert.equal(needsRehash(await hashPassword('secret', CHEAP), CHEAP), false);
  });

  it('is true for a hash made with weaker parameters', async () => {
    assert.equal(needsRehash(await hashPassword('secret', CHEAP)), true);
    const fewerPasses = await hashPassword('secret', { ...OWASP_ARGON2ID_PARAMETERS, timeCost: 1 });
    assert.equal(needsRehash(fewerPasses), true);
  });

  it('is true for a hash made with stronger parameters: the configured cost wins', async () => {
    const stronger = await hashPassword('secret', { timeCost: 3 });
    assert.equal(needsRehash(stronger), true);
    assert.equal(needsRehash(stronger, { timeCost: 3 }), false);
  });

  it('is true for a short output or salt, and for anything that is not a readable hash', () => {
    const salt16 = 'c2FsdHNhbHRzYWx0c2FsdA';
    const prefix = '$argon2id$v=19$m=19456,t=2,p=1$';
    assert.equal(needsRehash(`${prefix}${salt16}$${'A'.repeat(43)}`), false);
    assert.equal(needsRehash(`${prefix}${salt16}$${'A'.repeat(22)}`), true); // 16-byte output
    assert.equal(needsRehash(`${prefix}c2FsdHNhbHQ$${'A'.repeat(43)}`), true); // 8-byte salt
    for (const junk of ['', 'x', '$2b$10$abc', null, undefined]) {
      assert.equal(needsRehash(junk as string), true);
    }
  });
});

describe('unmatchableHash (the stand-in for an account that does not exist)', () => {
  it("reads as a hash of the given cost, with hashPassword's lengths", async () => {
    for (const parameters of [undefined, CHEAP]) {
      const real = parseArgon2idHash(await hashPassword('secret', parameters));
      const standIn = unmatchableHash(parameters);
      assert.deepEqual(parseArgon2idHash(standIn), real, standIn);
      assert.equal(needsRehash(standIn, parameters), false);
    }
  });

  it('is fresh random bytes each time', () => {
    const seen = new Set(Array.from({ length: 20 }, () => unmatchableHash(CHEAP)));
    assert.equal(seen.size, 20);
  });

  it('user enumeration by timing: Argon2 runs a full verification against it', async () => {
    // Had the library refused the string instead, verifyPassword would answer false at once,
    // and a login naming no account would answer sooner than a wrong password.
    const standIn = unmatchableHash(CHEAP);
    assert.equal(await argon2Verify(standIn, 'any password'), false);
    // Against the default cost it takes as long as a wrong password against a real hash.
    const real = await hashPassword('the real password');
    const defaultStandIn = unmatchableHash();
    const times = { real: [] as number[], standIn: [] as number[] };
    for (let run = 0; run < 5; run += 1) {
      for (const [name, hash] of [
        ['real', real],
        ['standIn', defaultStandIn],
      ] as const) {
        const started = performance.now();
        assert.equal(await verifyPassword(hash, 'a guess'), false);
        times[name].push(performance.now() - started);
      }
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[2]!;
    const ratio = median(times.standIn) / median(times.real);
    assert.ok(ratio > 0.5 && ratio < 2, `stand-in / real verification time: ${ratio}`);
  });

  it('no password verifies against it (property, at a cheap cost)', async () => {
    const standIn = unmatchableHash(CHEAP);
    await fc.assert(
      fc.asyncProperty(fc.string(), async (password) => {
        assert.equal(await verifyPassword(standIn, password), false);
      }),
      { numRuns: 50 },
    );
  });
});
