import type { GateConfig } from "../config/config.ts";
import { type Failure, unauthenticated } from "../failure.ts";
import { sealVerifiedIdentity, type VerifiedIdentity } from "../identity.ts";
import type { KeyCache, KeyTier } from "../jwks/key-cache.ts";
import { cryptoKeyFor, type VerificationKey } from "../jwks/key-set.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type ClaimExpectations, checkIdTokenClaims } from "./claims.ts";
import { preparseCompactJws } from "./compact.ts";
import { reasonForJoseError } from "./jose-errors.ts";
import { recallVerifiedToken, type VerifiedTokenCache } from "./verified-token-cache.ts";
import { verifyJwsSignature } from "./verify-signature.ts";

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
 * Returns the sealed identity, or a failure with its reason. With a `cache` (bearer tokens; never at
 * the login callback), a token verified before is answered from it while its key and claims hold.
 */
export async function verifyIdToken(
  token: string,
  config: GateConfig,
  keys: KeyCache,
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
  if (token.length > config.maxTokenBytes)
    return fail(unauthenticated("token_too_large", `${token.length} bytes`));
  const parsed = preparseCompactJws(token, config.allowedAlgorithms);
  if (!parsed.ok) return fail(unauthenticated(parsed.failure.reason, parsed.failure.detail));
  const { alg, kid, payload, signingInput, signature } = parsed.value;

  const match = await keys.keysFor(rt, kid, alg);
  if (!match.ok) return fail(withKid(match.failure, kid));
  const { tier } = match.value;

  let lastReason = unauthenticated("bad_signature");
  let verifiedBy: VerificationKey | undefined;
  for (const key of match.value.keys) {
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await cryptoKeyFor(key, alg);
    } catch (error) {
      lastReason = unauthenticated(reasonForJoseError(error));
      continue;
    }
    if (await verifyJwsSignature(alg, cryptoKey, signingInput, signature)) {
      verifiedBy = key;
      break;
    }
  }
  if (!verifiedBy) return fail({ ...lastReason, ...optionalKid(kid), tier });

  const checked = checkIdTokenClaims(payload, expectations, rt.now() / 1000);
  if (!checked.ok)
    return fail({
      ...unauthenticated(checked.failure.reason, checked.failure.detail),
      ...optionalKid(kid),
      tier,
    });
  const identity = sealVerifiedIdentity(payload, config.groupsClaim);
  if (reusable) cache.remember(token, { claims: payload, identity, kid, alg, key: verifiedBy });
  return ok({ identity, kid, tier });
}

function optionalKid(kid: string | undefined): { kid?: string } {
  return kid === undefined ? {} : { kid: kid.length > 64 ? `${kid.slice(0, 64)}…` : kid };
}

function withKid(failure: Failure, kid: string | undefined): VerifyFailure {
  return { ...failure, ...optionalKid(kid) };
}
