import type { JWK } from "jose";
import type { FailureReason } from "../failure.ts";
import type { Platform } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type DiscoveryDocument, judgeDiscovery } from "./discovery.ts";
import { type FetchLimits, fetchProviderJson } from "./fetch-json.ts";
import { type DroppedKey, ingestJwks, type KeySet } from "./key-set.ts";
import type { ProviderFetchOutcome } from "./vocabulary.ts";

/** A document fetched from the provider and judged good. */
export interface Fetched<T> {
  readonly value: T;
  /** The judged JSON as KV keeps it (for a JWKS, only the keys that passed hygiene). */
  readonly stored: unknown;
  /** The response's Cache-Control max-age, before clamping. */
  readonly declaredMaxAgeSeconds: number | undefined;
  /** For a JWKS: the keys that were dropped and why. */
  readonly dropped: readonly DroppedKey[];
}

/** Why a fetch did not yield a usable document (for the log; the wire says 503). */
export interface FetchProblem {
  readonly reason: Extract<FailureReason, "discovery_unavailable" | "jwks_unavailable">;
  readonly detail: string;
  /** The transport failure class, or `invalid` when the answer arrived but was refused. */
  readonly outcome: Exclude<ProviderFetchOutcome, "ok">;
  /** The provider's HTTP status, when it answered. */
  readonly status?: number;
  /** For a JWKS in which no key survived: what was dropped and why. */
  readonly dropped?: readonly DroppedKey[];
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
