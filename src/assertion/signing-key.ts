import { decodeBase64UrlStrict } from "../jwt/base64url.ts";
import { fail, ok, type Result } from "../result.ts";

/** The JWS algorithms an assertion can be signed with: ECDSA P-256 (RFC 7518 §3.4) and Ed25519 (RFC 8037). */
export type AssertionAlgorithm = "ES256" | "EdDSA";

/** The public members of a signing key, as published in `/auth/jwks.json` (without `kid`, `alg`, `use`). */
export type PublicKeyMembers =
  | { readonly kty: "EC"; readonly crv: "P-256"; readonly x: string; readonly y: string }
  | { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string };

/** A key that is published for verification; it may never sign. */
export interface AssertionPublishedKey {
  readonly alg: AssertionAlgorithm;
  readonly publicMembers: PublicKeyMembers;
}

/** A private signing key that passed the shape checks. The private part is never logged or published. */
export interface AssertionSigningJwk extends AssertionPublishedKey {
  /** The JWK to import for signing: the public members plus `d`, nothing else. */
  readonly privateJwk: PublicKeyMembers & { readonly d: string };
}

/** What each secret must hold, as its messages say it. */
const EXPECTED = {
  sign: "must be a private JWK (EC P-256 or OKP Ed25519)",
  publish: "must be a JWK (EC P-256 or OKP Ed25519), public or private",
} as const;
type KeyUse = keyof typeof EXPECTED;
/** How to make a key, for every message that refuses one. */
export const KEY_HINT =
  "generate one with `npm run -s assertion-key | npx wrangler secret put ASSERTION_SIGNING_KEY`";

/** Coordinate and private-scalar sizes in bytes: P-256 (RFC 7518 §6.2.1.2) and Ed25519 (RFC 8037 §2). */
const P256_BYTES = 32;
const ED25519_BYTES = 32;

/**
 * Reads a secret that must hold one private signing key as a JWK (JSON text, or an object from a
 * TOML table). Refuses public keys, other key types and curves, malformed members, and an `alg`,
 * `use` or `key_ops` that say the key is for something else. The message says what was found and
 * never repeats the secret or any part of it.
 */
export function parseAssertionSigningKey(value: unknown): Result<AssertionSigningJwk, string> {
  const parsed = parseJwk(value, "sign");
  if (!parsed.ok) return parsed;
  const { jwk, key } = parsed.value;
  if (jwk.d === undefined) return fail(`${EXPECTED.sign}; got a public key (no "d"); ${KEY_HINT}`);
  return ok({ ...key, privateJwk: { ...key.publicMembers, d: jwk.d as string } });
}

/**
 * Reads a key that is only published (ASSERTION_SIGNING_KEY_PREVIOUS): the same checks, but a public
 * key will do — e.g. the current key as `/auth/jwks.json` shows it, before a rotation. A private part,
 * if given, is checked and then dropped.
 */
export function parseAssertionPublishedKey(value: unknown): Result<AssertionPublishedKey, string> {
  const parsed = parseJwk(value, "publish");
  return parsed.ok ? ok(parsed.value.key) : parsed;
}

function parseJwk(
  value: unknown,
  use: KeyUse,
): Result<{ jwk: Record<string, unknown>; key: AssertionPublishedKey }, string> {
  const expected = EXPECTED[use];
  const jwk = readObject(value, expected);
  if (typeof jwk === "string") return fail(jwk);
  if (Array.isArray(jwk.keys))
    return fail(
      `${expected}; got a JWK Set: put the signing key alone here and the previous one in ASSERTION_SIGNING_KEY_PREVIOUS`,
    );
  const kty = jwk.kty;
  if (kty === "RSA") return fail(`${expected}; got an RSA key; ${KEY_HINT}`);
  if (kty === "oct") return fail(`${expected}; got a symmetric (oct) key; ${KEY_HINT}`);
  if (kty !== "EC" && kty !== "OKP")
    return fail(`${expected}; got ${typeof kty === "string" ? "an unsupported kty" : "no kty"}; ${KEY_HINT}`);
  const crv = jwk.crv;
  const wanted = kty === "EC" ? "P-256" : "Ed25519";
  if (crv !== wanted) {
    const got =
      typeof crv === "string" && /^[A-Za-z0-9-]{1,16}$/.test(crv)
        ? `${kty} ${crv}`
        : `${kty} without a known crv`;
    return fail(`${expected}; got ${got}; ${KEY_HINT}`);
  }
  const size = kty === "EC" ? P256_BYTES : ED25519_BYTES;
  const members = [...(kty === "EC" ? ["x", "y"] : ["x"]), ...(jwk.d === undefined ? [] : ["d"])];
  for (const member of members) {
    if (decodedLength(jwk[member]) !== size)
      return fail(`${expected}; its "${member}" is not ${size} bytes of base64url; ${KEY_HINT}`);
  }
  const alg: AssertionAlgorithm = kty === "EC" ? "ES256" : "EdDSA";
  const algProblem = purposeProblem(jwk, alg, use);
  if (algProblem) return fail(algProblem);
  const publicMembers: PublicKeyMembers =
    kty === "EC"
      ? { kty, crv: "P-256", x: jwk.x as string, y: jwk.y as string }
      : { kty, crv: "Ed25519", x: jwk.x as string };
  return ok({ jwk, key: { alg, publicMembers } });
}

function readObject(value: unknown, expected: string): Record<string, unknown> | string {
  let parsed = value;
  if (typeof value === "string") {
    const text = value.trim();
    if (text === "") return `is empty; remove it, or set a private JWK; ${KEY_HINT}`;
    if (text.startsWith("-----BEGIN")) return `${expected}; got PEM text, not a JWK; ${KEY_HINT}`;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `${expected}; got text that is not JSON; ${KEY_HINT}`;
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return `${expected}; got JSON that is not an object; ${KEY_HINT}`;
  return parsed as Record<string, unknown>;
}

function decodedLength(member: unknown): number | undefined {
  return typeof member === "string" ? decodeBase64UrlStrict(member)?.length : undefined;
}

/** `alg`, `use` and `key_ops` are optional (RFC 7517 §4.2–4.4), but when present they must allow signing. */
function purposeProblem(
  jwk: Record<string, unknown>,
  alg: AssertionAlgorithm,
  use: KeyUse,
): string | undefined {
  const expected = EXPECTED[use];
  const op = use === "sign" ? "sign" : "verify";
  const algs = alg === "EdDSA" ? ["EdDSA", "Ed25519"] : ["ES256"];
  if (jwk.alg !== undefined && !algs.includes(jwk.alg as string))
    return `${expected}; its "alg" must be ${algs.join(" or ")} for this key type, or absent`;
  if (jwk.use !== undefined && jwk.use !== "sig") return `${expected}; its "use" must be "sig", or absent`;
  const ops = jwk.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes(op)))
    return `${expected}; its "key_ops" must include "${op}", or be absent`;
  return undefined;
}
