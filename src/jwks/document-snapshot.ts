import { ageSeconds, type Dated, type Freshness } from "./freshness.ts";
import type { ProviderFetchOutcome } from "./vocabulary.ts";

/** The last time the provider was asked for a document, and how it went. */
export interface FetchAttempt {
  /** When the answer (or the failure) came, ms since the epoch. */
  readonly at: number;
  readonly ok: boolean;
  readonly outcome: ProviderFetchOutcome;
  readonly status?: number;
  readonly problem?: string;
}

/** One document's state, for a health endpoint: where it came from, its age, its last fetch. */
export interface DocumentSnapshot {
  readonly source?: "kv" | "provider";
  readonly fetchedAt?: string;
  readonly ageSeconds?: number;
  readonly maxAgeSeconds?: number;
  readonly freshness?: Freshness;
  readonly refreshing: boolean;
  readonly lastFetch?: {
    readonly at: string;
    readonly atMs: number;
    readonly ok: boolean;
    readonly outcome: ProviderFetchOutcome;
    readonly status?: number;
    readonly problem?: string;
  };
}

export function snapshotDocument(
  entry: (Dated & { readonly source: "kv" | "provider" }) | undefined,
  freshness: Freshness | undefined,
  attempt: FetchAttempt | undefined,
  refreshing: boolean,
  nowMs: number,
): DocumentSnapshot {
  return {
    ...(entry && freshness
      ? {
          source: entry.source,
          fetchedAt: new Date(entry.fetchedAt).toISOString(),
          ageSeconds: Math.floor(ageSeconds(entry, nowMs)),
          maxAgeSeconds: entry.maxAgeSeconds,
          freshness,
        }
      : {}),
    refreshing,
    ...(attempt
      ? {
          lastFetch: {
            at: new Date(attempt.at).toISOString(),
            atMs: attempt.at,
            ok: attempt.ok,
            outcome: attempt.outcome,
            ...(attempt.status === undefined ? {} : { status: attempt.status }),
            ...(attempt.problem === undefined ? {} : { problem: attempt.problem }),
          },
        }
      : {}),
  };
}
