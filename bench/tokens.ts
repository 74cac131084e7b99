/**
 * Keys and tokens for the bench, made at run time (no private key is ever written to the repository):
 * RS256 and ES256 signing keys, JWKS documents, and pools of distinct valid ID tokens written one
 * header value per line for the wrk script.
 */
import { generateKeyPair, type JsonWebKey, type KeyObject, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { promisify } from "node:util";

export type Alg = "RS256" | "ES256";

export interface BenchKey {
  readonly kid: string;
  readonly alg: Alg;
  readonly privateKey: KeyObject;
  readonly publicJwk: JsonWebKey & { kid: string; alg: Alg; use: "sig" };
  readonly privateJwk: JsonWebKey & { kid: string };
}

const generate = promisify(generateKeyPair);

export async function makeKey(alg: Alg, kid: string): Promise<BenchKey> {
  const pair =
    alg === "RS256"
      ? await generate("rsa", { modulusLength: 2048 })
      : await generate("ec", { namedCurve: "P-256" });
  const publicJwk = { ...pair.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" as const };
  const privateJwk = { ...pair.privateKey.export({ format: "jwk" }), kid };
  return { kid, alg, privateKey: pair.privateKey, publicJwk, privateJwk };
}

export function jwksOf(keys: readonly BenchKey[]): { keys: BenchKey["publicJwk"][] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signToken(key: BenchKey, claims: Record<string, unknown>): string {
  const input = `${b64url({ alg: key.alg, kid: key.kid, typ: "JWT" })}.${b64url(claims)}`;
  const signature =
    key.alg === "RS256"
      ? sign("sha256", Buffer.from(input), key.privateKey)
      : sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

export interface PoolSpec {
  readonly issuer: string;
  readonly clientId: string;
  /** Tokens are signed by these keys in turn. */
  readonly keys: readonly BenchKey[];
  readonly count: number;
  /** Extra groups to pad the token to a target size (0 for a typical ~1 KB token). */
  readonly paddingGroups?: number;
  readonly nowSeconds: number;
  readonly lifetimeSeconds: number;
}

/** Claims like a real provider's ID token (~1 KB once signed with RS256), distinct per index. */
export function claimsFor(spec: PoolSpec, index: number): Record<string, unknown> {
  const groups = ["staff", "engineering"];
  for (let i = 0; i < (spec.paddingGroups ?? 0); i++) groups.push(`group-${i.toString().padStart(4, "0")}`);
  return {
    iss: spec.issuer,
    sub: `user-${index}`,
    aud: spec.clientId,
    iat: spec.nowSeconds,
    exp: spec.nowSeconds + spec.lifetimeSeconds,
    auth_time: spec.nowSeconds - 60,
    jti: `bench-${index}-${Math.random().toString(36).slice(2)}`,
    sid: `session-${index}`,
    email: `user${index}@example.com`,
    email_verified: true,
    name: `Bench User ${index}`,
    given_name: "Bench",
    family_name: `User ${index}`,
    preferred_username: `user${index}`,
    locale: "en",
    at_hash: "x4Pl7bGWvF0c1P3HG2i6mw",
    groups,
  };
}

export function mintPool(spec: PoolSpec): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    const key = spec.keys[i % spec.keys.length] as BenchKey;
    tokens.push(signToken(key, claimsFor(spec, i)));
  }
  return tokens;
}

/** Writes `Bearer <token>` lines for the wrk script. */
export function writeBearerFile(path: string, tokens: readonly string[]): void {
  writeFileSync(path, `${tokens.map((token) => `Bearer ${token}`).join("\n")}\n`);
}
