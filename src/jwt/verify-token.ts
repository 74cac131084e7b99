import type { GateConfig, IssuerPolicy, TokenType } from "../config/config.ts";
import { unauthenticated } from "../failure.ts";
import { sealVerifiedIdentity } from "../identity.ts";
import { sameKeyMaterial } from "../jwks/key-set.ts";
import type { KeySource } from "../jwks/key-source.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { checkAccessTokenClaims } from "./access-token-claims.ts";
import { type CheckedClaims, type ClaimFailure, checkIdTokenClaims } from "./claims.ts";
import { preparseCompactJws } from "./compact.ts";
import { parseStrictJsonObject } from "./strict-json.ts";
import { tokenTypeOf } from "./token-type.ts";
import type { VerifiedTokenCache } from "./verified-token-cache.ts";
import {
  type LoginChecks,
  optionalKid,
  type Verified,
  type VerifyFailure,
  verifyPreparsed,
} from "./verify-jws.ts";

/** What a bearer token is judged against: the issuers the route accepts and where their keys are. */
export interface TokenVerification {
  /** The route's issuers by their exact `iss` (RoutePolicy.acceptedIssuers). */
  readonly accepted: ReadonlyMap<string, IssuerPolicy>;
  /** The key cache of an issuer (called only for an issuer chosen from `accepted`). */
  readonly keysOf: (issuer: IssuerPolicy) => KeySource;
  readonly limits: Pick<GateConfig, "maxTokenBytes" | "allowedAlgorithms" | "maxTokenLifetimeSeconds">;
}

/**
 * Verifies a bearer token against the issuers a route accepts. In order: size cap and strict
 * pre-parse (compact.ts); the payload parsed strictly, once; its `iss` looked up among the route's
 * issuers — a token of any other issuer, configured or not, is refused (`issuer_not_allowed`) before
 * any key is looked up, so no token can make the worker fetch from a provider the route does not
 * trust, nor have its signature checked with another issuer's keys; the issuer's algorithms; the
 * token's type (token-type.ts); the signature with that issuer's keys; then the claim rules of its
 * type (OIDC Core §3.1.3.7, RFC 9068 §4). The claims checked are the ones parsed before the signature
 * was checked, which are the signed ones: parsing the same bytes again would give the same object.
 */
export async function verifyToken(
  token: string,
  verification: TokenVerification,
  rt: Runtime,
  login: LoginChecks = {},
  cache?: VerifiedTokenCache,
): Promise<Result<Verified, VerifyFailure>> {
  const { limits } = verification;
  const reusable = cache !== undefined && login.nonce === undefined && login.maxAgeSeconds === undefined;
  if (reusable) {
    const recalled = await recallVerifiedToken(cache, token, verification, rt);
    if (recalled) return ok(recalled);
  }

  if (token.length > limits.maxTokenBytes)
    return fail(unauthenticated("token_too_large", `${token.length} bytes`));
  const parsed = preparseCompactJws(token, limits.allowedAlgorithms);
  if (!parsed.ok) return fail(unauthenticated(parsed.failure.reason, parsed.failure.detail));
  const claims = parseStrictJsonObject(parsed.value.payloadBytes);
  if (!claims) return fail(unauthenticated("malformed", "payload is not a JSON object (or repeats a key)"));

  const chosen = chooseIssuer(claims.iss, verification.accepted);
  if (!chosen.ok) return chosen;
  const issuer = chosen.value;
  const { alg, kid } = parsed.value;
  if (!issuer.allowedAlgorithms.includes(alg))
    return fail(unauthenticated("alg_not_allowed", `alg ${alg} is not among ${issuer.name}'s algorithms`));
  const type = tokenTypeOf(parsed.value.declaredType, claims, issuer);
  if (!type.ok) return fail({ ...type.failure, ...optionalKid(kid) });

  const jws = await verifyPreparsed(parsed.value, verification.keysOf(issuer), rt);
  if (!jws.ok) return jws;
  const { tier, key } = jws.value;

  const checked = checkClaims(type.value, claims, issuer, limits, login, rt.now() / 1000);
  if (!checked.ok)
    return fail({
      ...unauthenticated(checked.failure.reason, checked.failure.detail),
      ...optionalKid(kid),
      tier,
    });
  const identity = sealVerifiedIdentity(checked.value, issuer.groupsClaim, {
    issuerName: issuer.name,
    tokenType: type.value,
  });
  if (reusable) cache.remember(token, { claims, identity, kid, alg, key });
  return ok({ identity, kid, tier });
}

/** The route's issuer whose `iss` the token names, by exact string: a map lookup, no fetch. */
function chooseIssuer(
  iss: unknown,
  accepted: ReadonlyMap<string, IssuerPolicy>,
): Result<IssuerPolicy, VerifyFailure> {
  if (iss === undefined) return fail(unauthenticated("claim_missing:iss", "iss is missing"));
  if (typeof iss !== "string") return fail(unauthenticated("claim_invalid:iss", "iss is not a string"));
  const issuer = accepted.get(iss);
  if (issuer) return ok(issuer);
  // The iss is the caller's choice: never echoed to the log, only whether the route knows it.
  return fail(
    unauthenticated(
      "issuer_not_allowed",
      `iss is none of ${[...accepted.values()].map((i) => i.name).join(", ")}`,
    ),
  );
}

/** The claim rules of the token's type, at `now` (seconds). */
function checkClaims(
  type: TokenType,
  claims: Readonly<Record<string, unknown>>,
  issuer: IssuerPolicy,
  limits: TokenVerification["limits"],
  login: LoginChecks,
  now: number,
): Result<CheckedClaims, ClaimFailure> {
  if (type === "access_token")
    return checkAccessTokenClaims(
      claims,
      {
        issuer: issuer.issuer,
        audiences: issuer.audiences,
        clockLeewaySeconds: issuer.clockLeewaySeconds,
        maxTokenLifetimeSeconds: limits.maxTokenLifetimeSeconds,
        profile: issuer.accessTokenTyp,
      },
      now,
    );
  return checkIdTokenClaims(
    claims,
    {
      issuer: issuer.issuer,
      clientIds: issuer.clientIds,
      trustedAudiences: issuer.trustedAudiences,
      checkAuthorizedParty: issuer.checkAuthorizedParty,
      clockLeewaySeconds: issuer.clockLeewaySeconds,
      maxTokenLifetimeSeconds: limits.maxTokenLifetimeSeconds,
      ...login,
    },
    now,
  );
}

/**
 * Answers for a token verified before, when it still holds now and here: its issuer is one of this
 * route's (a token verified for one route is not thereby good for another), the key that verified it
 * is still in that issuer's key set under the same kid and algorithm (a key rotated out voids every
 * token it verified), and the claims still pass every rule at the current time. Undefined means
 * "verify it in full"; an entry whose key or claims no longer hold is dropped.
 */
async function recallVerifiedToken(
  cache: VerifiedTokenCache,
  token: string,
  verification: TokenVerification,
  rt: Runtime,
): Promise<Verified | undefined> {
  const entry = cache.recall(token);
  if (entry === undefined) return undefined;
  const issuer = verification.accepted.get(entry.identity.issuer);
  if (issuer === undefined || issuer.name !== entry.identity.issuerName) return undefined;
  const match = await verification.keysOf(issuer).keysFor(rt, entry.kid, entry.alg);
  const stillTrusted = match.ok && match.value.keys.some((key) => sameKeyMaterial(key, entry.key));
  const now = rt.now() / 1000;
  if (
    !stillTrusted ||
    !checkClaims(entry.identity.tokenType, entry.claims, issuer, verification.limits, {}, now).ok
  ) {
    cache.forget(token);
    return undefined;
  }
  return { identity: entry.identity, kid: entry.kid, tier: match.value.tier };
}
