import type { GateConfig, IssuerPolicy } from "../config/config.ts";
import type { KeySource } from "../jwks/key-source.ts";
import type { Runtime } from "../platform.ts";
import type { Result } from "../result.ts";
import type { VerifiedTokenCache } from "./verified-token-cache.ts";
import type { LoginChecks, Verified, VerifyFailure } from "./verify-jws.ts";
import { verifyToken } from "./verify-token.ts";

export {
  type LoginChecks,
  type Verified,
  type VerifiedJws,
  type VerifyFailure,
  verifyJws,
} from "./verify-jws.ts";

/**
 * Verifies an ID Token of the sign-in issuer (the login callback, a session refresh, and tests): the
 * JWS (`verifyJws`), its payload parsed strictly (UTF-8, one JSON object, no repeated key), then the
 * OIDC claim rules, with `keys` as the sign-in issuer's keys. An access token (`typ: at+jwt`) is
 * refused. With a `cache`, a token verified before is answered from it while it still holds.
 */
export async function verifyIdToken(
  token: string,
  config: GateConfig,
  keys: KeySource,
  rt: Runtime,
  login: LoginChecks = {},
  cache?: VerifiedTokenCache,
): Promise<Result<Verified, VerifyFailure>> {
  const issuer = loginIssuerOf(config);
  return verifyToken(
    token,
    { accepted: new Map([[issuer.issuer, issuer]]), keysOf: () => keys, limits: config },
    rt,
    login,
    cache,
  );
}

/** The sign-in issuer's policy: the first of `config.issuers`. */
export function loginIssuerOf(config: GateConfig): IssuerPolicy {
  const issuer = config.issuers[0];
  if (issuer === undefined) throw new Error("the configuration has no sign-in issuer");
  return issuer;
}
