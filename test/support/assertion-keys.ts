import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";

export interface AssertionKey {
  readonly alg: "ES256" | "EdDSA";
  /** The private JWK as JSON text, as it would be stored in the ASSERTION_SIGNING_KEY secret. */
  readonly secret: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  /** The RFC 7638 thumbprint edge-auth uses as the key's kid. */
  readonly kid: string;
}

/** A fresh assertion signing key, generated at run time (no private key is ever committed). */
export async function makeAssertionKey(alg: "ES256" | "EdDSA" = "ES256"): Promise<AssertionKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    secret: JSON.stringify(privateJwk),
    privateJwk,
    publicJwk,
    kid: await calculateJwkThumbprint(publicJwk, "sha256"),
  };
}
