import type { GateConfig } from "../config/config.ts";
import { LOGIN_ISSUER_NAME } from "../config/schema-issuers.ts";
import type { Runtime } from "../platform.ts";
import { NO_STORE } from "../respond/no-store.ts";
import type { RevocationCache } from "../revocation/revocation-cache.ts";
import type { ConfigFingerprint } from "./config-fingerprint.ts";
import { type HealthAccess, healthAccessFor } from "./health-access.ts";
import { issuerHealth, type KeyStateSource } from "./key-health.ts";
import { probeKv } from "./kv-probe.ts";

/**
 * `ok`: every issuer has fresh keys, its last fetch worked and KV answers; `degraded`: the sign-in
 * issuer's tokens verify, but not all of that holds (another issuer's keys may be unavailable: its
 * routes answer 503, every other route works); `unavailable`: the sign-in issuer's tokens cannot be
 * verified (sign-in and sessions are down).
 */
export type HealthStatus = "ok" | "degraded" | "unavailable";

export interface HealthSources {
  readonly config: GateConfig;
  readonly fingerprint: ConfigFingerprint;
  readonly keys: readonly KeyStateSource[];
  readonly revocations: RevocationCache;
}

/**
 * The health document: per issuer the key set's tier, age and kids and the last fetch's outcome,
 * the revocation document's state, whether KV answers, and the configuration's fingerprint. No secret,
 * no token, no user. `unavailable` (HTTP 503) when the sign-in issuer has no usable keys: its tokens
 * cannot be verified; `degraded` when another issuer has none (its routes alone answer 503), or when
 * KV does not answer (sessions, sign-in and revocations need it).
 */
export async function buildHealthDocument(
  rt: Runtime,
  sources: HealthSources,
): Promise<{ status: HealthStatus; document: Record<string, unknown> }> {
  // A cold isolate loads what a request would load, so the answer reflects what requests get now.
  const [kv] = await Promise.all([
    probeKv(rt, sources.config.kvTimeoutMs),
    ...sources.keys.map((source) => source.prepare(rt)),
    sources.revocations.current(rt),
  ]);
  const now = rt.now();
  const issuers = sources.keys.map((source) => issuerHealth(source.state(now), now));
  const status: HealthStatus = issuers.some((issuer) => !issuer.usable && issuer.name === LOGIN_ISSUER_NAME)
    ? "unavailable"
    : issuers.every((issuer) => issuer.healthy) && kv.usable
      ? "ok"
      : "degraded";
  const revocations = sources.revocations.health(now);
  return {
    status,
    document: {
      status,
      time: new Date(now).toISOString(),
      config: {
        fingerprint: await sources.fingerprint.value(),
        issuer: sources.config.issuer,
        clientId: sources.config.clientId,
        routeRules: sources.config.routes.length,
      },
      issuers: issuers.map((issuer) => issuer.document),
      revocations: {
        loaded: revocations.loaded,
        entries: revocations.entries,
        ...(revocations.ageSeconds === undefined ? {} : { ageSeconds: revocations.ageSeconds }),
        ...(revocations.lastLoad
          ? {
              lastLoad: {
                outcome: revocations.lastLoad.outcome,
                at: new Date(revocations.lastLoad.atMs).toISOString(),
              },
            }
          : {}),
        ...(revocations.fence
          ? {
              fence: {
                version: revocations.fence.version,
                events: revocations.fence.events,
                ...(revocations.fence.lastCheck
                  ? {
                      lastCheck: {
                        outcome: revocations.fence.lastCheck.outcome,
                        at: new Date(revocations.fence.lastCheck.atMs).toISOString(),
                      },
                    }
                  : {}),
              },
            }
          : {}),
      },
      kv,
    },
  };
}

/**
 * `GET /auth/health`: 200 while the sign-in issuer's tokens can be verified, 503 when they cannot. Anyone
 * gets `{"status": …}` alone; the whole document only with HEALTH_TOKEN as a bearer token
 * (health-access.ts), since issuer, client id, key ids and route count describe the deployment.
 */
export async function respondWithHealth(
  rt: Runtime,
  sources: HealthSources,
  request: Request,
): Promise<Response> {
  const access = await healthAccessFor(request.headers, sources.config.healthSecretToken);
  if (access.view === "refused") return refuseHealth(access, sources.config.realm);
  const { status, document } = await buildHealthDocument(rt, sources);
  const body = access.view === "detail" ? document : { status };
  return new Response(`${JSON.stringify(body, null, 2)}\n`, {
    status: status === "unavailable" ? 503 : 200,
    headers: {
      "cache-control": NO_STORE,
      "content-type": "application/json; charset=utf-8",
      ...(status === "unavailable"
        ? { "retry-after": String(sources.config.unavailableRetryAfterSeconds) }
        : {}),
    },
  });
}

function refuseHealth(access: Extract<HealthAccess, { view: "refused" }>, realm: string): Response {
  return new Response(`${JSON.stringify({ error: access.error })}\n`, {
    status: access.status,
    headers: {
      "cache-control": NO_STORE,
      "content-type": "application/json; charset=utf-8",
      "www-authenticate": `Bearer realm="${realm}", error="${access.error}"`,
    },
  });
}
