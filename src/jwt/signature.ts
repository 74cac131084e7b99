/**
 * The signature step of JWS verification, and nothing else: Web Crypto's `verify` with the parameters
 * RFC 7518 §3 (and RFC 8037 §3.1 for EdDSA) fix for each algorithm. The worker calls it for every
 * token; the Wycheproof primitive vectors call it with their raw messages, so both test one code path.
 */

const RSA_PKCS1 = "RSASSA-PKCS1-v1_5";

/** Web Crypto parameters per JWS alg; the PSS salt is as long as the hash (RFC 7518 §3.5). */
const PARAMS: Readonly<Record<string, SubtleCryptoSignAlgorithm>> = {
  RS256: { name: RSA_PKCS1 },
  RS384: { name: RSA_PKCS1 },
  RS512: { name: RSA_PKCS1 },
  PS256: { name: "RSA-PSS", saltLength: 32 },
  PS384: { name: "RSA-PSS", saltLength: 48 },
  PS512: { name: "RSA-PSS", saltLength: 64 },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  ES384: { name: "ECDSA", hash: "SHA-384" },
  ES512: { name: "ECDSA", hash: "SHA-512" },
  EdDSA: { name: "Ed25519" },
  Ed25519: { name: "Ed25519" },
};

/**
 * RFC 7518 §3.4: an ECDSA JWS signature is R‖S, each left-padded to the curve's size — exactly 64, 96
 * or 132 bytes. Anything else (a DER SEQUENCE above all) is refused before Web Crypto sees it.
 */
const ECDSA_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/** What the imported key must be for each alg: its Web Crypto name and its hash or curve. */
const KEY_SHAPE: Readonly<Record<string, { name: string; hashOrCurve?: string }>> = {
  RS256: { name: RSA_PKCS1, hashOrCurve: "SHA-256" },
  RS384: { name: RSA_PKCS1, hashOrCurve: "SHA-384" },
  RS512: { name: RSA_PKCS1, hashOrCurve: "SHA-512" },
  PS256: { name: "RSA-PSS", hashOrCurve: "SHA-256" },
  PS384: { name: "RSA-PSS", hashOrCurve: "SHA-384" },
  PS512: { name: "RSA-PSS", hashOrCurve: "SHA-512" },
  ES256: { name: "ECDSA", hashOrCurve: "P-256" },
  ES384: { name: "ECDSA", hashOrCurve: "P-384" },
  ES512: { name: "ECDSA", hashOrCurve: "P-521" },
  EdDSA: { name: "Ed25519" },
  Ed25519: { name: "Ed25519" },
};

/** Whether `alg` names a signature algorithm this step knows (never `none`, never HMAC). */
function isSignatureAlgorithm(alg: string): boolean {
  return Object.hasOwn(PARAMS, alg);
}

/**
 * Checks `signature` over `signingInput` with `key` for `alg`. Returns true only for a signature that
 * Web Crypto accepts with the RFC 7518 parameters; an unknown alg, an ECDSA signature that is not
 * R‖S of the right length, or any refusal by Web Crypto is false. The key must have been imported
 * for `alg` (its hash is part of the imported key for RSA).
 */
export async function verifySignature(
  alg: string,
  key: CryptoKey,
  signature: Uint8Array,
  signingInput: Uint8Array,
): Promise<boolean> {
  if (!isSignatureAlgorithm(alg) || !keyFits(key, alg)) return false;
  const params = PARAMS[alg] as SubtleCryptoSignAlgorithm;
  const ecdsaBytes = ECDSA_SIGNATURE_BYTES[alg];
  if (ecdsaBytes !== undefined && signature.length !== ecdsaBytes) return false;
  try {
    return await crypto.subtle.verify(params, key, signature, signingInput);
  } catch {
    // Web Crypto throws for some malformed inputs (e.g. an RSA signature longer than the modulus):
    // a signature it cannot even check is not a valid one.
    return false;
  }
}

/**
 * The alg each key was last found to fit. A CryptoKey never changes, and reading its `algorithm`
 * makes a new object every time: a key checks every token of its issuer, so the answer is kept.
 */
const fittingAlg = new WeakMap<CryptoKey, string>();

/** Defence in depth: the key itself must be of the alg's kind (a P-384 key never checks ES256). */
function keyFits(key: CryptoKey, alg: string): boolean {
  if (fittingAlg.get(key) === alg) return true;
  const shape = KEY_SHAPE[alg];
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  if (!shape || algorithm.name !== shape.name || key.type !== "public") return false;
  if (shape.hashOrCurve !== undefined && (algorithm.hash?.name ?? algorithm.namedCurve) !== shape.hashOrCurve)
    return false;
  fittingAlg.set(key, alg);
  return true;
}
