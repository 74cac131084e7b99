/*
 * Words the key cache shares with the decision log, the metrics and the health document. This file
 * imports nothing, so any module may use them without depending on the key cache.
 */

/** Where the keys for a request came from: fresh memory, KV, the provider, or memory past its max-age. */
export type KeyTier = "memory" | "kv" | "provider" | "stale";

/** Which provider document a fetch was for. */
export type ProviderDocument = "discovery" | "jwks";

/** Why a provider fetch failed, as a class an operator can count (the `problem` says the rest). */
export type FetchFailureKind = "http_status" | "too_large" | "not_json" | "timeout" | "network";

/** How a provider fetch ended: `ok`, a transport failure class, or `invalid` (fetched but refused). */
export type ProviderFetchOutcome = "ok" | FetchFailureKind | "invalid";
