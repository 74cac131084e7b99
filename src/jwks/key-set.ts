import { importJWK, type JWK } from "jose";
import { decodeBase64UrlStrict } from "../jwt/base64url.ts";
import { hasRocaFingerprint } from "./roca.ts";

/** A public signing key that passed the hygiene rules, with its CryptoKeys imported on first use. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly kty: "RSA" | "EC" | "OKP";
  readonly crv: string | undefined;
  readonly alg: string | undefined;
  readonly jwk: Readonly<JWK>;
  /** Imported CryptoKeys by algorithm (RSA keys may serve RS* and PS*). */
  readonly imported: Map<string, CryptoKey>;
}

export interface KeySet {
  readonly keys: readonly VerificationKey[];
  readonly byKid: ReadonlyMap<string, VerificationKey>;
}

export interface DroppedKey {
  readonly index: number;
  readonly kid: string | undefined;
  readonly reason: string;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const CURVE_OF_ALG: Readonly<Record<string, string>> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };
const EC_COORDINATE_BYTES: Readonly<Record<string, number>> = { "P-256": 32, "P-384": 48, "P-521": 66 };
const MIN_RSA_BITS = 2048;

/** Which key types and curves an algorithm may use (RFC 7518 §3, RFC 8037 §3.1). */
export function keyFitsAlgorithm(key: VerificationKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg && !(isEdDsa(key.alg) && isEdDsa(alg))) return false;
  if (alg.startsWith("RS") || alg.startsWith("PS")) return key.kty === "RSA";
  if (alg.startsWith("ES")) return key.kty === "EC" && key.crv === CURVE_OF_ALG[alg];
  if (isEdDsa(alg)) return key.kty === "OKP" && key.crv === "Ed25519";
  return false;
}

function isEdDsa(alg: string): boolean {
  return alg === "EdDSA" || alg === "Ed25519";
}

/**
 * The keys of `set` that may have signed a token with this `kid` and `alg`: the key with that kid when
 * it fits the alg, or, for a token without a kid, every key that fits. Never a key the token names by
 * any other means (jku, x5u, jwk and x5c are not read anywhere).
 */
export function selectKeys(set: KeySet, kid: string | undefined, alg: string): VerificationKey[] {
  if (kid !== undefined) {
    const key = set.byKid.get(kid);
    return key && keyFitsAlgorithm(key, alg) ? [key] : [];
  }
  return set.keys.filter((key) => keyFitsAlgorithm(key, alg));
}

/**
 * Judges a JWKS document: keeps the public signing keys that are safe to trust and drops the rest with
 * a reason (private parts, symmetric keys, `use` other than sig, RSA under 2048 bits, with e=1 or with
 * the ROCA fingerprint, EC points off their curve, unknown kinds, duplicate kids). Returns undefined when the document is not a JWKS.
 */
export async function ingestJwks(
  document: unknown,
): Promise<{ keySet: KeySet; dropped: DroppedKey[] } | undefined> {
  if (
    document === null ||
    typeof document !== "object" ||
    !Array.isArray((document as { keys?: unknown }).keys)
  )
    return undefined;
  const entries = (document as { keys: unknown[] }).keys;
  const dropped: DroppedKey[] = [];
  const candidates: VerificationKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const kid =
      typeof (entry as { kid?: unknown })?.kid === "string" ? (entry as { kid: string }).kid : undefined;
    const problem = await keyProblem(entry);
    if (problem) dropped.push({ index, kid, reason: problem });
    else candidates.push(toVerificationKey(entry as JWK));
  }
  const kidCounts = new Map<string, number>();
  for (const key of candidates)
    if (key.kid !== undefined) kidCounts.set(key.kid, (kidCounts.get(key.kid) ?? 0) + 1);
  const keys: VerificationKey[] = [];
  for (const key of candidates) {
    // Two keys under one kid make the choice ambiguous: trust neither.
    if (key.kid !== undefined && (kidCounts.get(key.kid) ?? 0) > 1) {
      dropped.push({ index: entries.indexOf(key.jwk), kid: key.kid, reason: "duplicate kid" });
    } else keys.push(key);
  }
  const byKid = new Map<string, VerificationKey>();
  for (const key of keys) if (key.kid !== undefined) byKid.set(key.kid, key);
  return { keySet: { keys, byKid }, dropped };
}

function toVerificationKey(jwk: JWK): VerificationKey {
  return {
    kid: jwk.kid,
    kty: jwk.kty as VerificationKey["kty"],
    crv: jwk.crv,
    alg: jwk.alg,
    jwk,
    imported: new Map(),
  };
}

async function keyProblem(entry: unknown): Promise<string | undefined> {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return "not a JSON object";
  const jwk = entry as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    return jwk.kty === "oct" ? "symmetric key" : "has private key material";
  if (jwk.use !== undefined && jwk.use !== "sig") return `use is ${JSON.stringify(jwk.use)}, not "sig"`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify")))
    return "key_ops does not allow verify";
  if (jwk.kid !== undefined && typeof jwk.kid !== "string") return "kid is not a string";
  if (jwk.alg !== undefined && typeof jwk.alg !== "string") return "alg is not a string";
  switch (jwk.kty) {
    case "RSA":
      return rsaProblem(jwk);
    case "EC":
      return ecProblem(jwk);
    case "OKP":
      if (jwk.crv !== "Ed25519") return `OKP curve ${JSON.stringify(jwk.crv)} is not supported`;
      if (jwk.alg !== undefined && !isEdDsa(jwk.alg)) return `alg ${jwk.alg} does not fit an Ed25519 key`;
      return importProblem(jwk, "Ed25519");
    default:
      return `kty ${JSON.stringify(jwk.kty)} is not a public signing key type`;
  }
}

async function rsaProblem(jwk: Record<string, unknown>): Promise<string | undefined> {
  const n = typeof jwk.n === "string" ? decodeBase64UrlStrict(jwk.n) : undefined;
  const e = typeof jwk.e === "string" ? decodeBase64UrlStrict(jwk.e) : undefined;
  if (!n || !e || n.length === 0 || e.length === 0) return "RSA key without a valid n and e";
  if (bitLength(n) < MIN_RSA_BITS) return `RSA modulus of ${bitLength(n)} bits is under ${MIN_RSA_BITS}`;
  const exponent = e.reduce((value, byte) => value * 256 + byte, 0);
  if (exponent < 3 || exponent % 2 === 0) return `RSA public exponent ${exponent} is unsafe`;
  if (hasRocaFingerprint(n)) return "RSA modulus has the ROCA fingerprint (CVE-2017-15361)";
  if (jwk.alg !== undefined && !/^(RS|PS)(256|384|512)$/.test(jwk.alg as string))
    return `alg ${jwk.alg as string} does not fit an RSA key`;
  return importProblem(jwk, (jwk.alg as string | undefined) ?? "RS256");
}

async function ecProblem(jwk: Record<string, unknown>): Promise<string | undefined> {
  const crv = jwk.crv as string;
  const size = EC_COORDINATE_BYTES[crv];
  if (size === undefined) return `EC curve ${JSON.stringify(jwk.crv)} is not supported`;
  const x = typeof jwk.x === "string" ? decodeBase64UrlStrict(jwk.x) : undefined;
  const y = typeof jwk.y === "string" ? decodeBase64UrlStrict(jwk.y) : undefined;
  if (x?.length !== size || y?.length !== size) return "EC key coordinates have the wrong length";
  const alg = Object.entries(CURVE_OF_ALG).find(([, curve]) => curve === crv)?.[0] as string;
  if (jwk.alg !== undefined && jwk.alg !== alg) return `alg ${jwk.alg as string} does not fit curve ${crv}`;
  // Web Crypto refuses points that are not on the curve (invalid-curve attacks).
  return importProblem(jwk, alg);
}

async function importProblem(jwk: Record<string, unknown>, alg: string): Promise<string | undefined> {
  try {
    await importJWK(importable(jwk as JWK), alg);
    return undefined;
  } catch {
    return "Web Crypto refused the key (e.g. a point off its curve)";
  }
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

/** The CryptoKey of `key` for `alg`, imported once and then reused for the isolate's life. */
export async function cryptoKeyFor(key: VerificationKey, alg: string): Promise<CryptoKey> {
  const cached = key.imported.get(alg);
  if (cached) return cached;
  const imported = (await importJWK(importable(key.jwk), alg)) as CryptoKey;
  key.imported.set(alg, imported);
  return imported;
}

/**
 * The JWK as Web Crypto should import it: a public verification key. `key_ops` was judged at ingestion
 * (it must allow "verify"); passed on, Web Crypto would refuse a public key whose key_ops also lists
 * "sign", as JWKS made by stripping a private JWK often do.
 */
function importable(jwk: Readonly<JWK>): JWK {
  const { key_ops: _judged, ...rest } = jwk;
  return { ...rest, ext: true };
}

/** Whether two keys are the same public key, also across a refetch of the set (new key objects). */
export function sameKeyMaterial(a: VerificationKey, b: VerificationKey): boolean {
  if (a === b) return true;
  const x = a.jwk;
  const y = b.jwk;
  return x.kty === y.kty && x.crv === y.crv && x.n === y.n && x.e === y.e && x.x === y.x && x.y === y.y;
}
