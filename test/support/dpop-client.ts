import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { accessTokenHash } from "../../src/dpop/proof.ts";

/** A DPoP client's key pair, generated at run time, with its RFC 7638 thumbprint. */
export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
  readonly jkt: string;
}

export async function makeDpopKey(alg = "ES256"): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey: privateKey as CryptoKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk, "sha256"),
  };
}

export interface ProofOptions {
  readonly htm: string;
  readonly htu: string;
  readonly accessToken: string;
  readonly iat: number;
  readonly jti?: string;
  /** Replaces or adds claims (undefined removes one). */
  readonly claims?: Record<string, unknown>;
  /** Replaces or adds protected header members. */
  readonly header?: Record<string, unknown>;
}

/** A DPoP proof JWT (RFC 9449 §4.2) signed with `key`. */
export async function makeProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: options.jti ?? crypto.randomUUID(),
    htm: options.htm,
    htu: options.htu,
    iat: options.iat,
    ath: await accessTokenHash(options.accessToken),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk, ...options.header })
    .sign(key.privateKey);
}

/** `Authorization: DPoP <token>` with one `DPoP` proof header. */
export function dpopRequest(token: string, proof: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { authorization: `DPoP ${token}`, dpop: proof, ...init.headers } };
}
