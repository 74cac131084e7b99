import type { GateConfig } from "../config/config.ts";
import { type Failure, unauthenticated } from "../failure.ts";
import { sealVerifiedIdentity, type VerifiedIdentity } from "../identity.ts";
import { cryptoKeyFor, sameKeyMaterial, type VerificationKey } from "../jwks/key-set.ts";
import type { KeySource } from "../jwks/key-source.ts";
import type { KeyTier } from "../jwks/vocabulary.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type ClaimExpectations, checkIdTokenClaims } from "./claims.ts";
import { preparseCompactJws } from "./compact.ts";
import { reasonForJoseError } from "./jose-errors.ts";
import { verifySignature } from "./signature.ts";
import { parseStrictJsonObject } from "./strict-json.ts";
import type { VerifiedTokenCache } from "./verified-token-cache.ts";

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
 * payload's bytes unparsed; what they must say is the caller's business (`verifyIdToken`).
 * `acceptsType` judges the header's `typ` when present (default: `JWT`).
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
  const { alg, kid, header, signature, signingInput, payloadBytes } = parsed.value;

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

/**
 * Verifies an ID Token: the JWS (`verifyJws`), then its payload parsed strictly (UTF-8, one JSON
 * object, no repeated key), then the OIDC claim rules. Returns the sealed identity, or a failure with
 * its reason. With a `cache` (bearer tokens; never at the login callback), a token verified before is
 * answered from it while the key that verified it is still the issuer's and its claims still hold.
 */
export async function verifyIdToken(
  token: string,
  config: GateConfig,
  keys: KeySource,
  rt: Runtime,
  login: LoginChecks = {},
  cache?: VerifiedTokenCache,
): Promise<Result<Verified, VerifyFailure>> {
  const expectations: ClaimExpectations = {
    issuer: config.issuer,
    clientId: config.clientId,
    trustedAudiences: config.trustedAudiences,
    clockLeewaySeconds: config.clockLeewaySeconds,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
    ...login,
  };
  const reusable = cache !== undefined && login.nonce === undefined && login.maxAgeSeconds === undefined;
  if (reusable) {
    const recalled = await recallVerifiedToken(cache, token, keys, rt, expectations);
    if (recalled) return ok(recalled);
  }

  const jws = await verifyJws(token, config, keys, rt);
  if (!jws.ok) return jws;
  const { kid, tier, alg, key } = jws.value;
  const payload = parseStrictJsonObject(jws.value.payloadBytes);
  if (!payload)
    return fail({
      ...unauthenticated("malformed", "payload is not a JSON object (or repeats a key)"),
      ...optionalKid(kid),
      tier,
    });

  const checked = checkIdTokenClaims(payload, expectations, rt.now() / 1000);
  if (!checked.ok)
    return fail({
      ...unauthenticated(checked.failure.reason, checked.failure.detail),
      ...optionalKid(kid),
      tier,
    });
  const identity = sealVerifiedIdentity(payload, config.groupsClaim);
  if (reusable) cache.remember(token, { claims: payload, identity, kid, alg, key });
  return ok({ identity, kid, tier });
}

/**
 * Answers for a token verified before, when it still holds now: the key that verified it is still in
 * the issuer's key set under the same kid and algorithm (a key rotated out voids every token it
 * verified), and the claims still pass every rule at the current time (exp, nbf, iat — the rules of
 * `checkIdTokenClaims`, the only ones that can change for the same bytes, configuration and keys).
 * Undefined means "verify it in full"; an entry that no longer holds is dropped.
 */
async function recallVerifiedToken(
  cache: VerifiedTokenCache,
  token: string,
  keys: KeySource,
  rt: Runtime,
  expectations: ClaimExpectations,
): Promise<Verified | undefined> {
  const entry = cache.recall(token);
  if (entry === undefined) return undefined;
  const match = await keys.keysFor(rt, entry.kid, entry.alg);
  const stillTrusted = match.ok && match.value.keys.some((key) => sameKeyMaterial(key, entry.key));
  if (!stillTrusted || !checkIdTokenClaims(entry.claims, expectations, rt.now() / 1000).ok) {
    cache.forget(token);
    return undefined;
  }
  return { identity: entry.identity, kid: entry.kid, tier: match.value.tier };
}

function optionalKid(kid: string | undefined): { kid?: string } {
  return kid === undefined ? {} : { kid: kid.length > 64 ? `${kid.slice(0, 64)}…` : kid };
}

function withKid(failure: Failure, kid: string | undefined): VerifyFailure {
  return { ...failure, ...optionalKid(kid) };
}
