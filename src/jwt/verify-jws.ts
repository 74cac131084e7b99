import type { GateConfig } from "../config/config.ts";
import { type Failure, unauthenticated } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import { cryptoKeyFor, type VerificationKey } from "../jwks/key-set.ts";
import type { KeySource } from "../jwks/key-source.ts";
import type { KeyTier } from "../jwks/vocabulary.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { preparseCompactJws, type UnverifiedJws } from "./compact.ts";
import { reasonForJoseError } from "./jose-errors.ts";
import { verifySignature } from "./signature.ts";

/** A JWS whose signature verified with one of the issuer's keys; its payload is not yet parsed. */
export interface VerifiedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly tier: KeyTier;
  /** The issuer's key that verified the signature. */
  readonly key: VerificationKey;
  readonly payloadBytes: Uint8Array;
}

export interface Verified {
  readonly identity: VerifiedIdentity;
  readonly kid: string | undefined;
  readonly tier: KeyTier;
}

/** What a failed verification still tells the log (never the token). */
export interface VerifyFailure extends Failure {
  readonly kid?: string;
  readonly tier?: KeyTier;
}

export interface LoginChecks {
  readonly nonce?: string;
  readonly maxAgeSeconds?: number;
}

/**
 * Verifies a compact JWS, and only that: size cap, strict pre-parse, algorithm allow-list, a key from
 * the issuer's JWKS (never from the token's own jku/x5u/jwk/x5c), and the signature. Returns the
 * payload's bytes unparsed; what they must say is the caller's business (`verifyToken`).
 * `acceptsType` judges the header's `typ` when present (default: `JWT` or `at+jwt`).
 */
export async function verifyJws(
  token: string,
  config: Pick<GateConfig, "maxTokenBytes" | "allowedAlgorithms">,
  keys: KeySource,
  rt: Runtime,
  acceptsType?: (typ: unknown) => boolean,
): Promise<Result<VerifiedJws, VerifyFailure>> {
  if (token.length > config.maxTokenBytes)
    return fail(unauthenticated("token_too_large", `${token.length} bytes`));
  const parsed = preparseCompactJws(token, config.allowedAlgorithms, acceptsType);
  if (!parsed.ok) return fail(unauthenticated(parsed.failure.reason, parsed.failure.detail));
  return verifyPreparsed(parsed.value, keys, rt);
}

/** The signature check of a pre-parsed JWS with the keys of the issuer chosen for it. */
export async function verifyPreparsed(
  parsed: UnverifiedJws,
  keys: KeySource,
  rt: Runtime,
): Promise<Result<VerifiedJws, VerifyFailure>> {
  const { alg, kid, header, signature, signingInput, payloadBytes } = parsed;
  const match = await keys.keysFor(rt, kid, alg);
  if (!match.ok) return fail(withKid(match.failure, kid));
  const { tier } = match.value;

  let verdict = await verifyWithAny(alg, match.value.keys, signature, signingInput);
  if (!verdict.ok && kid === undefined && keys.keysAfterSignatureMiss) {
    // Without a kid, a key the set lacks shows only as a failed signature: one forced refresh (the
    // unknown-kid cooldown applies), then the keys not tried yet.
    const retry = await keys.keysAfterSignatureMiss(rt, alg, match.value.keys);
    if (!retry.ok) return fail(retry.failure);
    if (retry.value.keys.length > 0)
      verdict = await verifyWithAny(alg, retry.value.keys, signature, signingInput);
  }
  if (!verdict.ok) return fail({ ...verdict.failure, ...optionalKid(kid), tier });
  return ok({ header, alg, kid, tier, key: verdict.value, payloadBytes });
}

async function verifyWithAny(
  alg: string,
  candidates: readonly VerificationKey[],
  signature: Uint8Array,
  signingInput: Uint8Array,
): Promise<Result<VerificationKey, Failure>> {
  let failure = unauthenticated("bad_signature");
  for (const key of candidates) {
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await cryptoKeyFor(key, alg);
    } catch (error) {
      failure = unauthenticated(reasonForJoseError(error), "the key cannot be imported for this alg");
      continue;
    }
    if (await verifySignature(alg, cryptoKey, signature, signingInput)) return ok(key);
  }
  return fail(failure);
}

export function optionalKid(kid: string | undefined): { kid?: string } {
  return kid === undefined ? {} : { kid: kid.length > 64 ? `${kid.slice(0, 64)}…` : kid };
}

function withKid(failure: Failure, kid: string | undefined): VerifyFailure {
  return { ...failure, ...optionalKid(kid) };
}
