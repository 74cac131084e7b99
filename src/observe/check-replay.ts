import type { Authenticated } from "../authenticate.ts";
import type { RoutePolicy } from "../config/config.ts";
import { type Failure, unauthenticated } from "../failure.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { clientNetwork } from "./replay-suspicion.ts";

/**
 * Counts the client network of an admitted credential (src/observe/replay-suspicion.ts). The first
 * time the credential passes `REPLAY_NETWORK_THRESHOLD` networks, one `token_replay_suspected` log
 * line and data point, naming the credential only by a salted hash and the networks only by count.
 * Answers a failure when the route has `refuse_replayed` and the credential is over the threshold.
 */
export function checkReplay(
  request: Request,
  auth: Authenticated,
  route: RoutePolicy,
  routeName: string,
  rt: Runtime,
  state: IsolateState,
): Failure | undefined {
  const network = clientNetwork(request);
  if (network === undefined) return undefined;
  const { key, expiresAtSeconds } = credentialKeyOf(auth);
  const seen = state.replaySuspicion.observe(
    { credential: key, network, expiresAtSeconds, nowSeconds: rt.now() / 1000 },
    rt.randomBytes,
  );
  if (!seen.suspected) return undefined;
  const action = route.refuseReplayed ? "refused" : "recorded";
  if (seen.firstReport) {
    const colo = (request.cf as { colo?: unknown } | undefined)?.colo;
    rt.log({
      event: "token_replay_suspected",
      action,
      route: routeName,
      credential: auth.via,
      credential_id: seen.credentialId,
      networks: seen.networks,
      threshold: state.config.replayNetworkThreshold,
    });
    rt.metrics?.replaySuspected?.({
      route: routeName,
      credential: auth.via,
      action,
      networks: seen.networks,
      ...(typeof colo === "string" ? { colo } : {}),
    });
  }
  return route.refuseReplayed ? unauthenticated("token_replay_suspected") : undefined;
}

/**
 * What names a credential without hashing it: a bearer token by its verified issuer, subject, issue
 * and expiry times and `jti` (two tokens that agree on all of these are the same grant); a session by
 * its KV key (a SHA-256 of the session id, worked out already). With the end of its lifetime.
 */
export function credentialKeyOf(auth: Authenticated): {
  readonly key: string;
  readonly expiresAtSeconds: number;
} {
  if (auth.via === "session")
    return { key: `s ${auth.handle.kvKey}`, expiresAtSeconds: auth.record.absoluteExpiresAt };
  const { identity } = auth;
  const { iat, jti } = identity.claims;
  return {
    key: `b ${identity.issuer} ${identity.sub} ${String(iat)} ${identity.expiresAt} ${typeof jti === "string" ? jti : ""}`,
    expiresAtSeconds: identity.expiresAt,
  };
}
