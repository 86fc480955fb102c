import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';

import { calculateJwkThumbprint, SignJWT } from 'jose';

import type { JWTPayload } from 'jose';

import {
  keyThumbprint,
  verifyRefreshProof,
  verifyRegistrationProof,
} from '../../src/dbsc/proof.js';
import { makeKey, signProof } from './proof-signer.js';

const claims = { jti: 'the-challenge', authorization: 'the-authorization' };

describe('DBSC registration proofs', () => {
  for (const algorithm of ['ES256', 'RS256'] as const) {
    it(`a browser's ${algorithm} proof verifies, giving its key and claims`, async () => {
      const key = await makeKey(algorithm);
      const result = await verifyRegistrationProof(await signProof(key, claims));
      assert.ok(result.ok);
      assert.equal(result.proof.algorithm, algorithm);
      assert.equal(result.proof.challenge, 'the-challenge');
      assert.equal(result.proof.authorization, 'the-authorization');
      const expected =
        algorithm === 'ES256'
          ? { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y }
          : { kty: 'RSA', n: key.jwk.n, e: key.jwk.e };
      assert.deepEqual(result.proof.publicKey, expected);
    });
  }

  it('forged signature: a proof whose claims were changed after signing is refused', async () => {
    const key = await makeKey();
    const [head, , signature] = (await signProof(key, claims)).split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ ...claims, jti: 'another' })).toString(
      'base64url',
    );
    const result = await verifyRegistrationProof(`${head}.${forgedClaims}.${signature}`);
    assert.deepEqual(result, { ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('key substitution: a proof signed by one key but embedding another is refused', async () => {
    const signer = await makeKey();
    const other = await makeKey();
    const result = await verifyRegistrationProof(
      await signProof(signer, claims, { jwk: other.jwk }),
    );
    assert.deepEqual(result, { ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('wrong typ: a JWT made for another purpose is not a DBSC proof', async () => {
    const key = await makeKey();
    for (const typ of ['JWT', 'dpop+jwt', 'DBSC+JWT ', 'application/jwt']) {
      const result = await verifyRegistrationProof(await signProof(key, claims, { typ }));
      assert.deepEqual(result, { ok: false, reason: 'PROOF_TYPE_INVALID' }, typ);
    }
  });

  it('algorithm confusion: alg none, HMAC and algorithms outside ES256/RS256 are refused', async () => {
    const key = await makeKey();
    const head = (alg: string) =>
      Buffer.from(JSON.stringify({ alg, typ: 'dbsc+jwt', jwk: key.jwk })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    for (const alg of ['none', 'HS256', 'ES384', 'PS256', 'EdDSA', 'RS512']) {
      const result = await verifyRegistrationProof(`${head(alg)}.${body}.c2lnbmF0dXJl`);
      assert.deepEqual(result, { ok: false, reason: 'ALGORITHM_NOT_ALLOWED' }, alg);
    }
    // An HS256 proof "signed" with the public key as the HMAC secret (the classic confusion).
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dbsc+jwt', jwk: key.jwk })
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    assert.deepEqual(await verifyRegistrationProof(hmac), {
      ok: false,
      reason: 'ALGORITHM_NOT_ALLOWED',
    });
  });

  it('a key that does not fit the algorithm, or a private or weak key, is refused', async () => {
    const ec = await makeKey('ES256');
    const rsa = await makeKey('RS256');
    // An RSA key claimed for ES256, and an EC key for RS256.
    assert.deepEqual(await verifyRegistrationProof(await signProof(ec, claims, { jwk: rsa.jwk })), {
      ok: false,
      reason: 'KEY_INVALID',
    });
    assert.deepEqual(await verifyRegistrationProof(await signProof(rsa, claims, { jwk: ec.jwk })), {
      ok: false,
      reason: 'KEY_INVALID',
    });
    // A private key in the header.
    const leaked = { ...ec.jwk, d: 'AAAA' };
    assert.deepEqual(await verifyRegistrationProof(await signProof(ec, claims, { jwk: leaked })), {
      ok: false,
      reason: 'KEY_INVALID',
    });
    // An EC key on another curve.
    const p384 = { ...ec.jwk, crv: 'P-384' };
    assert.deepEqual(await verifyRegistrationProof(await signProof(ec, claims, { jwk: p384 })), {
      ok: false,
      reason: 'KEY_INVALID',
    });
    // No key at all.
    assert.deepEqual(await verifyRegistrationProof(await signProof(ec, claims, { jwk: null })), {
      ok: false,
      reason: 'KEY_INVALID',
    });
    // A 1024-bit RSA key, signed by hand (jose itself refuses to sign with one).
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakJwk = weak.publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'RS256', typ: 'dbsc+jwt', jwk: weakJwk })}.${part(claims)}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), weak.privateKey).toString('base64url')}`;
    assert.deepEqual(await verifyRegistrationProof(token), { ok: false, reason: 'KEY_INVALID' });
  });

  it('claims that are not what DBSC sends are refused', async () => {
    const key = await makeKey();
    const bads: JWTPayload[] = [
      {},
      { jti: 42 } as unknown as JWTPayload,
      { jti: 'c', authorization: 7 },
    ];
    for (const bad of bads) {
      const result = await verifyRegistrationProof(await signProof(key, bad));
      assert.deepEqual(result, { ok: false, reason: 'CLAIMS_INVALID' }, JSON.stringify(bad));
    }
    const expired = await signProof(key, { ...claims, exp: Math.floor(Date.now() / 1000) - 3600 });
    assert.deepEqual(await verifyRegistrationProof(expired), {
      ok: false,
      reason: 'CLAIMS_INVALID',
    });
  });

  it('garbage never throws', async () => {
    for (const input of [
      undefined,
      null,
      42,
      '',
      'a.b.c',
      'x'.repeat(20_000),
      '..',
      'e30.e30.e30',
    ]) {
      const result = await verifyRegistrationProof(input);
      assert.equal(result.ok, false);
    }
  });
});

describe('DBSC refresh proofs', () => {
  it('verify against the registered key', async () => {
    const key = await makeKey();
    const registered = { algorithm: key.algorithm, publicKey: key.jwk };
    const result = await verifyRefreshProof(
      await signProof(key, { jti: 'c' }, { jwk: null }),
      registered,
    );
    assert.equal(result.ok, true);
  });

  it('wrong key: a proof signed by another key is refused, whatever key its header names', async () => {
    const key = await makeKey();
    const thief = await makeKey();
    const registered = { algorithm: key.algorithm, publicKey: key.jwk };
    for (const jwk of [null, thief.jwk, key.jwk]) {
      const result = await verifyRefreshProof(
        await signProof(thief, { jti: 'c' }, { jwk }),
        registered,
      );
      assert.deepEqual(result, { ok: false, reason: 'SIGNATURE_INVALID' });
    }
  });

  it('algorithm not allowed: a proof in another algorithm than the registered one is refused', async () => {
    const ec = await makeKey('ES256');
    const rsa = await makeKey('RS256');
    const result = await verifyRefreshProof(await signProof(rsa, { jti: 'c' }), {
      algorithm: 'ES256',
      publicKey: ec.jwk,
    });
    assert.deepEqual(result, { ok: false, reason: 'ALGORITHM_NOT_ALLOWED' });
  });

  it('wrong typ is refused on refresh too', async () => {
    const key = await makeKey();
    const result = await verifyRefreshProof(await signProof(key, { jti: 'c' }, { typ: 'JWT' }), {
      algorithm: key.algorithm,
      publicKey: key.jwk,
    });
    assert.deepEqual(result, { ok: false, reason: 'PROOF_TYPE_INVALID' });
  });
});

describe('key thumbprints', () => {
  it('are RFC 7638 thumbprints, as jose computes them', async () => {
    for (const algorithm of ['ES256', 'RS256'] as const) {
      const key = await makeKey(algorithm);
      assert.equal(keyThumbprint(key.jwk), await calculateJwkThumbprint(key.jwk, 'sha256'));
    }
  });

  it('match the example of RFC 7638 section 3.1', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP' +
      'ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvz' +
      'qY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZ' +
      'u0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const thumbprint = keyThumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' });
    assert.equal(thumbprint, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    assert.equal(createHash('sha256').digest('base64url').length, thumbprint.length);
  });
});
