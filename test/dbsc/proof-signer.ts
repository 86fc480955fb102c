// Makes DBSC proofs the way a browser does: a key pair of its own, and a JWT with typ
// dbsc+jwt, signed by it, for tests to send or to break.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import type { CryptoKey, JWTPayload } from 'jose';

export interface TestKey {
  algorithm: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  /** The public JWK, as a browser embeds it. */
  jwk: Record<string, string>;
}

export async function makeKey(algorithm: 'ES256' | 'RS256' = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = (await exportJWK(publicKey)) as Record<string, string>;
  return { algorithm, privateKey, jwk };
}

/** A proof of `claims`, with the header a browser sends (plus or minus `header` changes). */
export async function signProof(
  key: TestKey,
  claims: JWTPayload,
  header: { typ?: string; alg?: string; jwk?: Record<string, string> | null } = {},
): Promise<string> {
  const jwk = header.jwk === undefined ? key.jwk : header.jwk;
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: header.alg ?? key.algorithm,
      typ: header.typ ?? 'dbsc+jwt',
      ...(jwk === null ? {} : { jwk }),
    })
    .sign(key.privateKey);
}
