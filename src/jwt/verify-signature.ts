/**
 * The signature check of a compact JWS, straight on Web Crypto (RFC 7515 §5.2 step 8): the token was
 * already parsed strictly by `preparseCompactJws`, and the key was imported for exactly this
 * algorithm by `cryptoKeyFor`, so nothing is parsed twice.
 */

// RFC 7518 §3.3 (RSASSA-PKCS1-v1_5), §3.5 (RSASSA-PSS, salt as long as the hash), §3.4 (ECDSA),
// RFC 8037 §3.1 (EdDSA with Ed25519).
const PARAMS: Readonly<Record<string, SubtleCryptoSignAlgorithm>> = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  RS384: { name: "RSASSA-PKCS1-v1_5" },
  RS512: { name: "RSASSA-PKCS1-v1_5" },
  PS256: { name: "RSA-PSS", saltLength: 32 },
  PS384: { name: "RSA-PSS", saltLength: 48 },
  PS512: { name: "RSA-PSS", saltLength: 64 },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  ES384: { name: "ECDSA", hash: "SHA-384" },
  ES512: { name: "ECDSA", hash: "SHA-512" },
  EdDSA: { name: "Ed25519" },
  Ed25519: { name: "Ed25519" },
};

// RFC 7518 §3.4: an ECDSA JWS signature is R || S, each as long as the curve's order.
const ECDSA_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/** Whether `signature` over `signingInput` verifies with `key` under `alg`; false for anything odd. */
export async function verifyJwsSignature(
  alg: string,
  key: CryptoKey,
  signingInput: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const params = PARAMS[alg];
  if (params === undefined) return false;
  const ecdsaBytes = ECDSA_SIGNATURE_BYTES[alg];
  if (ecdsaBytes !== undefined && signature.length !== ecdsaBytes) return false;
  try {
    return await crypto.subtle.verify(params, key, signature, signingInput);
  } catch {
    // A key that does not fit the algorithm verifies nothing.
    return false;
  }
}
