import { createHash } from 'node:crypto';

import type * as Jose from 'jose';
import type { JWTPayload } from 'jose';
import type { BindingAlgorithm } from '../session/types.js';

/** The algorithms a browser may sign with: DBSC's two, and never `none` or an HMAC. */
export const BINDING_ALGORITHMS: readonly BindingAlgorithm[] = ['ES256', 'RS256'];

/** The `typ` every DBSC proof carries in its header. */
export const PROOF_TYPE = 'dbsc+jwt';

/** Why a proof was refused. Stable: tests and logs use these. */
export type ProofRejection =
  | 'PROOF_MALFORMED'
  | 'PROOF_TYPE_INVALID'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'KEY_INVALID'
  | 'SIGNATURE_INVALID'
  | 'CLAIMS_INVALID';

/** A proof whose signature verified. */
export interface VerifiedProof {
  algorithm: BindingAlgorithm;
  /** The public key that verified it: the members RFC 7638 names, nothing else. */
  publicKey: Record<string, string>;
  /** The `jti` claim: the challenge the browser signed. */
  challenge: string;
  /** The `authorization` claim, when present. */
  authorization: string | null;
}

export type ProofResult =
  { ok: true; proof: VerifiedProof } | { ok: false; reason: ProofRejection };

// A proof is a compact JWS of a small header (an RSA key at most) and a few claims.
const MAX_PROOF_LENGTH = 8_192;
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/**
 * Checks a registration proof: a JWT signed by the key its own header embeds (`jwk`, public
 * members only, checked before use and verified with nothing else), with
 * `typ` `dbsc+jwt` and an allowed algorithm. The challenge (`jti`) and `authorization` claims
 * are returned for the caller to check against what it issued.
 */
export async function verifyRegistrationProof(jwt: unknown): Promise<ProofResult> {
  const jose = await loadJose();
  const header = readHeader(jose, jwt);
  if (!header.ok) return header;
  const publicKey = publicMembers(header.jwk, header.algorithm);
  if (publicKey === null) return { ok: false, reason: 'KEY_INVALID' };
  return verify(jose, jwt as string, header.algorithm, publicKey);
}

/**
 * Checks a refresh proof against the key the session registered: same algorithm, `typ`
 * `dbsc+jwt`, and a signature by that key. A proof signed by any other key fails, whatever
 * its header says.
 */
export async function verifyRefreshProof(
  jwt: unknown,
  registered: { algorithm: BindingAlgorithm; publicKey: Record<string, string> },
): Promise<ProofResult> {
  const jose = await loadJose();
  const header = readHeader(jose, jwt);
  if (!header.ok) return header;
  if (header.algorithm !== registered.algorithm)
    return { ok: false, reason: 'ALGORITHM_NOT_ALLOWED' };
  const publicKey = publicMembers(registered.publicKey, registered.algorithm);
  if (publicKey === null) return { ok: false, reason: 'KEY_INVALID' };
  return verify(jose, jwt as string, registered.algorithm, publicKey);
}

let joseModule: Promise<typeof Jose> | undefined;

// Loaded with the first proof, not with the module: only servers with DBSC on check proofs,
// and the library's ~180 modules added about 4 MB to every server's resident memory.
function loadJose(): Promise<typeof Jose> {
  // A failed load is not kept: the next proof tries again.
  joseModule ??= import('jose').catch((error: unknown) => {
    joseModule = undefined;
    throw error;
  });
  return joseModule;
}

/**
 * The RFC 7638 thumbprint of a public key (SHA-256, base64url): the DBSC session identifier
 * Latchkey gives a bound session. It follows the key, so it survives session rotation.
 */
export function keyThumbprint(publicKey: Record<string, string>): string {
  const members =
    publicKey.kty === 'EC'
      ? { crv: publicKey.crv, kty: 'EC', x: publicKey.x, y: publicKey.y }
      : { e: publicKey.e, kty: 'RSA', n: publicKey.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

type HeaderResult =
  { ok: true; algorithm: BindingAlgorithm; jwk: unknown } | { ok: false; reason: ProofRejection };

function readHeader(jose: typeof Jose, jwt: unknown): HeaderResult {
  if (typeof jwt !== 'string' || jwt.length > MAX_PROOF_LENGTH) {
    return { ok: false, reason: 'PROOF_MALFORMED' };
  }
  let header;
  try {
    header = jose.decodeProtectedHeader(jwt);
  } catch {
    return { ok: false, reason: 'PROOF_MALFORMED' };
  }
  if (jwt.split('.').length !== 3) return { ok: false, reason: 'PROOF_MALFORMED' };
  if (header.typ !== PROOF_TYPE) return { ok: false, reason: 'PROOF_TYPE_INVALID' };
  const algorithm = BINDING_ALGORITHMS.find((allowed) => allowed === header.alg);
  if (algorithm === undefined) return { ok: false, reason: 'ALGORITHM_NOT_ALLOWED' };
  // Extensions the verifier must understand (RFC 7515 section 4.1.11): Latchkey knows none.
  if (header.crit !== undefined) return { ok: false, reason: 'PROOF_MALFORMED' };
  return { ok: true, algorithm, jwk: header.jwk };
}

/**
 * The public members of a JWK fit for the algorithm, or null: EC keys on P-256 for ES256, RSA
 * keys of 2048 to 8192 bits for RS256, and nothing private.
 */
function publicMembers(jwk: unknown, algorithm: BindingAlgorithm): Record<string, string> | null {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return null;
  const key = jwk as Record<string, unknown>;
  // A private member means the browser gave its private key away, or someone else made this.
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) {
    if (Object.hasOwn(key, member)) return null;
  }
  const text = (name: string): string | null => {
    const value = key[name];
    return typeof value === 'string' && /^[A-Za-z0-9_-]+$/.test(value) ? value : null;
  };
  if (algorithm === 'ES256') {
    const x = text('x');
    const y = text('y');
    if (key.kty !== 'EC' || key.crv !== 'P-256' || x === null || y === null) return null;
    if (x.length !== 43 || y.length !== 43) return null;
    return { kty: 'EC', crv: 'P-256', x, y };
  }
  const n = text('n');
  const e = text('e');
  if (key.kty !== 'RSA' || n === null || e === null) return null;
  const bits = Buffer.from(n, 'base64url').length * 8;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) return null;
  return { kty: 'RSA', n, e };
}

async function verify(
  jose: typeof Jose,
  jwt: string,
  algorithm: BindingAlgorithm,
  publicKey: Record<string, string>,
): Promise<ProofResult> {
  let payload: JWTPayload;
  try {
    const options = { algorithms: [algorithm], typ: PROOF_TYPE, clockTolerance: 300 };
    const key = await jose.importJWK({ ...publicKey, alg: algorithm }, algorithm);
    payload = (await jose.jwtVerify(jwt, key, options)).payload;
  } catch (error) {
    const { errors } = jose;
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: 'SIGNATURE_INVALID' };
    }
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
      return { ok: false, reason: 'CLAIMS_INVALID' };
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return { ok: false, reason: 'ALGORITHM_NOT_ALLOWED' };
    if (error instanceof TypeError || error instanceof errors.JOSENotSupported) {
      return { ok: false, reason: 'KEY_INVALID' };
    }
    return { ok: false, reason: 'PROOF_MALFORMED' };
  }
  const challenge = payload.jti;
  if (typeof challenge !== 'string') return { ok: false, reason: 'CLAIMS_INVALID' };
  const authorization = payload.authorization;
  if (authorization !== undefined && typeof authorization !== 'string') {
    return { ok: false, reason: 'CLAIMS_INVALID' };
  }
  return {
    ok: true,
    proof: { algorithm, publicKey, challenge, authorization: authorization ?? null },
  };
}
