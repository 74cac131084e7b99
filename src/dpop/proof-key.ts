import { importJWK, type JWK } from "jose";
import { fail, ok, type Result } from "../result.ts";

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** The key type each asymmetric JWS alg needs. */
function keyTypeFor(alg: string): string | undefined {
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return "RSA";
  if (/^ES(256|384|512)$/.test(alg)) return "EC";
  if (alg === "EdDSA" || alg === "Ed25519") return "OKP";
  return undefined;
}

/**
 * The public key a DPoP proof carries in its `jwk` header (RFC 9449 §4.2, §4.3 check 5), imported for
 * `alg`. Refuses anything but a JSON object with the key type the alg needs and no private or
 * symmetric member: a proof that ships its private key proves nothing about who holds it.
 */
export async function importProofKey(
  value: unknown,
  alg: string,
): Promise<Result<{ readonly jwk: JWK; readonly key: CryptoKey }, string>> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail("header jwk is missing or not an object");
  const jwk = value as JWK;
  const privateMember = PRIVATE_MEMBERS.find((member) => member in jwk);
  if (privateMember !== undefined) return fail(`header jwk has the private member ${privateMember}`);
  const expected = keyTypeFor(alg);
  if (expected === undefined || jwk.kty !== expected)
    return fail(`header jwk kty ${JSON.stringify(String(jwk.kty).slice(0, 10))} does not fit alg ${alg}`);
  try {
    const { key_ops: _ignored, use: _use, ...rest } = jwk;
    const key = await importJWK({ ...rest, ext: true }, alg);
    if (!(key instanceof CryptoKey) || key.type !== "public") return fail("header jwk is not a public key");
    return ok({ jwk, key });
  } catch {
    return fail("header jwk cannot be imported for its alg");
  }
}
