import { calculateJwkThumbprint } from "jose";
import { DEFAULTS } from "../config/defaults.ts";
import { encodeBase64Url } from "../jwt/base64url.ts";
import { preparseCompactJws } from "../jwt/compact.ts";
import { verifySignature } from "../jwt/signature.ts";
import { parseStrictJsonObject } from "../jwt/strict-json.ts";
import { fail, ok, type Result } from "../result.ts";
import { importProofKey } from "./proof-key.ts";
import { comparableTargetUri } from "./target-uri.ts";

/** RFC 9449 §4.2: the media type of a DPoP proof, in its `typ` header. */
export const DPOP_PROOF_TYPE = "dpop+jwt";

/** Media types compare case-insensitively. */
function isDpopProofType(typ: unknown): boolean {
  return typeof typ === "string" && typ.toLowerCase() === DPOP_PROOF_TYPE;
}

/** What the request says a proof must match, and the rules it is judged by. */
export interface ProofExpectations {
  /** The request's method (`htm`). */
  readonly method: string;
  /** The request's URL (`htu`, compared without query and fragment). */
  readonly url: URL;
  /** The access token sent with the proof (`ath` is its SHA-256). */
  readonly accessToken: string;
  readonly nowSeconds: number;
  /** Asymmetric JWS algs a proof may use (the configured allow-list; never `none`, never HMAC). */
  readonly allowedAlgorithms: readonly string[];
  readonly windowSeconds: number;
  readonly leewaySeconds: number;
}

/** A proof that passed every check of RFC 9449 §4.3 but the `jti` replay check. */
export interface VerifiedProof {
  readonly jti: string;
  /** RFC 7638 SHA-256 thumbprint of the proof's key, base64url: compared with the token's `cnf.jkt`. */
  readonly jkt: string;
  /** Until when this proof would be accepted: its `jti` must be remembered that long. */
  readonly acceptableUntilSeconds: number;
  /** The `nonce` claim as sent (RFC 9449 §4.2), judged by the caller when nonces are required (§9). */
  readonly nonce: unknown;
}

/**
 * Checks a DPoP proof by RFC 9449 §4.3: one compact JWS (the strict pre-parse), `typ` `dpop+jwt`, an
 * allowed asymmetric `alg`, a public `jwk` header whose key verifies the signature, and claims `jti`
 * (a string), `htm` (the method), `htu` (the URL, normalised as the router normalises paths, without
 * query and fragment), `iat` within the window (plus leeway) either way, and `ath` (base64url SHA-256
 * of the access token, RFC 9449 §4.3 check 10). The failure is a log-safe detail saying which check.
 */
export async function verifyDpopProof(
  proof: string,
  expect: ProofExpectations,
): Promise<Result<VerifiedProof, string>> {
  if (proof.length > DEFAULTS.dpopMaxProofBytes) return fail(`proof is ${proof.length} bytes`);
  const parsed = preparseCompactJws(proof, expect.allowedAlgorithms, isDpopProofType);
  if (!parsed.ok) return fail(`${parsed.failure.reason}: ${parsed.failure.detail}`);
  const { alg, header, signature, signingInput, payloadBytes } = parsed.value;
  // The pre-parse judges a typ that is present; a proof must have one (RFC 9449 §4.3 check 4).
  if (!isDpopProofType(header.typ)) return fail("unsupported_token_type: typ missing");

  const imported = await importProofKey(header.jwk, alg);
  if (!imported.ok) return imported;
  if (!(await verifySignature(alg, imported.value.key, signature, signingInput)))
    return fail("signature does not verify with the header jwk");

  const claims = parseStrictJsonObject(payloadBytes);
  if (!claims) return fail("payload is not a JSON object (or repeats a key)");
  const claimProblem = await checkProofClaims(claims, expect);
  if (claimProblem !== undefined) return fail(claimProblem);

  const jkt = await calculateJwkThumbprint(imported.value.jwk, "sha256");
  const iat = claims.iat as number;
  return ok({
    jti: claims.jti as string,
    jkt,
    acceptableUntilSeconds: Math.ceil(iat + expect.windowSeconds + expect.leewaySeconds),
    nonce: claims.nonce,
  });
}

async function checkProofClaims(
  claims: Readonly<Record<string, unknown>>,
  expect: ProofExpectations,
): Promise<string | undefined> {
  const { jti, htm, htu, iat, ath } = claims;
  if (typeof jti !== "string" || jti.length === 0) return "jti is missing or not a string";
  if (jti.length > DEFAULTS.dpopMaxJtiChars) return `jti is ${jti.length} characters`;
  if (htm !== expect.method) return "htm is not the request's method";
  if (typeof htu !== "string") return "htu is missing or not a string";
  const claimed = comparableTargetUri(htu);
  if (claimed === undefined || claimed !== comparableTargetUri(expect.url))
    return "htu is not the request's URL";
  if (typeof iat !== "number" || !Number.isFinite(iat)) return "iat is missing or not a number";
  const allowance = expect.windowSeconds + expect.leewaySeconds;
  if (iat > expect.nowSeconds + allowance) return "iat is in the future";
  if (iat < expect.nowSeconds - allowance) return "iat is too old";
  if (typeof ath !== "string") return "ath is missing or not a string";
  if (ath !== (await accessTokenHash(expect.accessToken))) return "ath is not the access token's hash";
  return undefined;
}

/** RFC 9449 §4.2: `ath` is base64url(SHA-256(ASCII(access token))). */
export async function accessTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return encodeBase64Url(new Uint8Array(digest));
}
