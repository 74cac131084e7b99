import { compactVerify } from "jose";
import type { GateConfig } from "../config/config.ts";
import { type Failure, unauthenticated } from "../failure.ts";
import { sealVerifiedIdentity, type VerifiedIdentity } from "../identity.ts";
import type { KeyCache, KeyTier } from "../jwks/key-cache.ts";
import { cryptoKeyFor, type VerificationKey } from "../jwks/key-set.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { checkIdTokenClaims } from "./claims.ts";
import { preparseCompactJws } from "./compact.ts";
import { reasonForJoseError } from "./jose-errors.ts";

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
 * Verifies an ID Token: strict compact form, algorithm allow-list, signature with a key from the
 * issuer's JWKS (never from the token's own jku/x5u/jwk/x5c), then the OIDC claim rules.
 * Returns the sealed identity, or a failure with its reason.
 */
export async function verifyIdToken(
  token: string,
  config: GateConfig,
  keys: KeyCache,
  rt: Runtime,
  login: LoginChecks = {},
): Promise<Result<Verified, VerifyFailure>> {
  if (token.length > config.maxTokenBytes)
    return fail(unauthenticated("token_too_large", `${token.length} bytes`));
  const parsed = preparseCompactJws(token, config.allowedAlgorithms);
  if (!parsed.ok) return fail(unauthenticated(parsed.failure.reason, parsed.failure.detail));
  const { alg, kid, payload } = parsed.value;

  const match = await keys.keysFor(rt, kid, alg);
  if (!match.ok) return fail(withKid(match.failure, kid));
  const { tier } = match.value;

  let verdict = await verifyWithAny(token, alg, match.value.keys);
  if (!verdict.ok && kid === undefined) {
    // Without a kid, a key the set lacks shows only as a failed signature: one forced refresh (the
    // unknown-kid cooldown applies), then the keys not tried yet.
    const retry = await keys.keysAfterSignatureMiss(rt, alg, match.value.keys);
    if (!retry.ok) return fail(retry.failure);
    if (retry.value.keys.length > 0) verdict = await verifyWithAny(token, alg, retry.value.keys);
  }
  if (!verdict.ok) return fail({ ...verdict.failure, ...optionalKid(kid), tier });

  const checked = checkIdTokenClaims(
    payload,
    {
      issuer: config.issuer,
      clientId: config.clientId,
      trustedAudiences: config.trustedAudiences,
      clockLeewaySeconds: config.clockLeewaySeconds,
      maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
      ...login,
    },
    rt.now() / 1000,
  );
  if (!checked.ok)
    return fail({
      ...unauthenticated(checked.failure.reason, checked.failure.detail),
      ...optionalKid(kid),
      tier,
    });
  return ok({ identity: sealVerifiedIdentity(payload, config.groupsClaim), kid, tier });
}

async function verifyWithAny(
  token: string,
  alg: string,
  candidates: readonly VerificationKey[],
): Promise<Result<true, Failure>> {
  let failure = unauthenticated("bad_signature");
  for (const key of candidates) {
    try {
      await compactVerify(token, await cryptoKeyFor(key, alg), { algorithms: [alg] });
      return ok(true);
    } catch (error) {
      failure = unauthenticated(reasonForJoseError(error));
    }
  }
  return fail(failure);
}

function optionalKid(kid: string | undefined): { kid?: string } {
  return kid === undefined ? {} : { kid: kid.length > 64 ? `${kid.slice(0, 64)}…` : kid };
}

function withKid(failure: Failure, kid: string | undefined): VerifyFailure {
  return { ...failure, ...optionalKid(kid) };
}
