/*
 * The two provider documents the key cache holds, each as a DocumentSource: how to fetch it and judge
 * it, and how to trust it again when it comes back from KV.
 */

import type { JWK } from "jose";
import type { Platform, Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type DiscoveryDocument, judgeDiscovery } from "./discovery.ts";
import type { DocumentCache, DocumentSource, Fetched, FetchProblem } from "./document-cache.ts";
import { type FetchLimits, fetchProviderJson } from "./fetch-json.ts";
import { type DroppedKey, ingestJwks, type KeySet } from "./key-set.ts";

/** The discovery document of `issuer`, from the provider or from a KV record judged again. */
export function discoverySource(issuer: string, limits: FetchLimits): DocumentSource<DiscoveryDocument> {
  return {
    kind: "discovery",
    fetch: (rt) => fetchDiscovery(rt, issuer, limits),
    revive: async (stored) => reviveDiscovery(stored, issuer),
  };
}

/**
 * The key set at the discovery document's `jwks_uri`. The keys dropped at ingest go to the log once
 * per distinct set of drops, not at every refresh.
 */
export function keySetSource(
  issuer: string,
  discovery: DocumentCache<DiscoveryDocument>,
  limits: FetchLimits,
): DocumentSource<KeySet> {
  let loggedDrops = "";
  const logDropsOnce = (rt: Runtime, dropped: readonly DroppedKey[]) => {
    const signature = JSON.stringify(dropped);
    if (dropped.length === 0 || signature === loggedDrops) return;
    loggedDrops = signature;
    rt.log({ event: "jwks_keys_dropped", issuer, dropped });
  };
  return {
    kind: "jwks",
    revive: reviveKeySet,
    async fetch(rt): Promise<Result<Fetched<KeySet>, FetchProblem>> {
      const document = await discovery.read(rt);
      if (!document.ok)
        return fail({
          reason: "discovery_unavailable",
          detail: document.failure.detail ?? "unavailable",
          outcome: "invalid",
        });
      const fetched = await fetchKeySet(rt, document.value.entry.value.jwks_uri, limits);
      logDropsOnce(rt, fetched.ok ? fetched.value.dropped : (fetched.failure.dropped ?? []));
      return fetched;
    },
  };
}

/** The key set at a configured `jwks_uri`, for an issuer that publishes no discovery document. */
export function fixedKeySetSource(
  issuer: string,
  jwksUri: string,
  limits: FetchLimits,
): DocumentSource<KeySet> {
  let loggedDrops = "";
  return {
    kind: "jwks",
    revive: reviveKeySet,
    async fetch(rt): Promise<Result<Fetched<KeySet>, FetchProblem>> {
      const fetched = await fetchKeySet(rt, jwksUri, limits);
      const dropped = fetched.ok ? fetched.value.dropped : (fetched.failure.dropped ?? []);
      const signature = JSON.stringify(dropped);
      if (dropped.length > 0 && signature !== loggedDrops) {
        loggedDrops = signature;
        rt.log({ event: "jwks_keys_dropped", issuer, dropped });
      }
      return fetched;
    },
  };
}

/** OIDC Discovery §4: the issuer, without a trailing slash, + /.well-known/openid-configuration. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

/** Fetches the discovery document and judges it (its `issuer` must equal the configured one exactly). */
export async function fetchDiscovery(
  platform: Platform,
  issuer: string,
  limits: FetchLimits,
): Promise<Result<Fetched<DiscoveryDocument>, FetchProblem>> {
  const fetched = await fetchProviderJson(platform, discoveryUrl(issuer), limits);
  if (!fetched.ok)
    return fail({
      reason: "discovery_unavailable",
      detail: fetched.problem,
      outcome: fetched.kind,
      ...statusOf(fetched),
    });
  const judged = judgeDiscovery(fetched.body, issuer);
  if (!judged.ok)
    return fail({ reason: "discovery_unavailable", detail: judged.problem, outcome: "invalid" });
  return ok({
    value: judged.value,
    stored: judged.value,
    declaredMaxAgeSeconds: fetched.maxAgeSeconds,
    dropped: [],
  });
}

/**
 * Fetches the JWKS and judges it: a document that is not a JWKS, or in which no key survives the
 * hygiene rules, is a failure, so it can never replace a good set.
 */
export async function fetchKeySet(
  platform: Platform,
  jwksUri: string,
  limits: FetchLimits,
): Promise<Result<Fetched<KeySet>, FetchProblem>> {
  const fetched = await fetchProviderJson(platform, jwksUri, limits);
  if (!fetched.ok)
    return fail({
      reason: "jwks_unavailable",
      detail: fetched.problem,
      outcome: fetched.kind,
      ...statusOf(fetched),
    });
  const ingested = await ingestJwks(fetched.body);
  if (!ingested)
    return fail({ reason: "jwks_unavailable", detail: "response is not a JWKS", outcome: "invalid" });
  if (ingested.keySet.keys.length === 0)
    return fail({
      reason: "jwks_unavailable",
      detail: `no usable signing key (${ingested.dropped.length} dropped)`,
      outcome: "invalid",
      dropped: ingested.dropped,
    });
  return ok({
    value: ingested.keySet,
    stored: storableKeys(ingested.keySet),
    declaredMaxAgeSeconds: fetched.maxAgeSeconds,
    dropped: ingested.dropped,
  });
}

/** The discovery document a KV record holds, judged again (a record is input like any other). */
export function reviveDiscovery(stored: unknown, issuer: string): DiscoveryDocument | undefined {
  const judged = judgeDiscovery(stored, issuer);
  return judged.ok ? judged.value : undefined;
}

/** The key set a KV record holds, through the same hygiene rules as a fetched one. */
export async function reviveKeySet(stored: unknown): Promise<KeySet | undefined> {
  const ingested = await ingestJwks(stored);
  return ingested && ingested.keySet.keys.length > 0 ? ingested.keySet : undefined;
}

function storableKeys(set: KeySet): { keys: JWK[] } {
  return { keys: set.keys.map((key) => ({ ...key.jwk })) };
}

function statusOf(fetched: { readonly status?: number }): { status?: number } {
  return fetched.status === undefined ? {} : { status: fetched.status };
}
