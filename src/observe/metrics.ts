import type { ProviderDocument, ProviderFetchOutcome } from "../jwks/vocabulary.ts";
import type { Decision } from "./decision.ts";
import { redactLogValue } from "./redact.ts";

export type { ProviderDocument, ProviderFetchOutcome };

export interface ProviderFetch {
  /** Origin and path only (provider URLs are public; the query is dropped). */
  readonly url: string;
  readonly document: ProviderDocument;
  readonly outcome: ProviderFetchOutcome;
  readonly status?: number;
  readonly durationMs: number;
}

/** Where decisions and provider fetches are counted. Never throws, never blocks the request. */
export interface MetricsSink {
  decision(decision: Decision): void;
  providerFetch(fetch: ProviderFetch): void;
  /** Optional so that sinks written before it stay valid; the Analytics Engine sink has it. */
  replaySuspected?(suspicion: ReplaySuspected): void;
}

/** One credential seen from more client networks than allowed (src/observe/replay-suspicion.ts). */
export interface ReplaySuspected {
  readonly route: string;
  readonly credential: "bearer" | "session";
  /** `recorded`, or `refused` on a route with `refuse_replayed`. */
  readonly action: "recorded" | "refused";
  readonly colo?: string;
  readonly networks: number;
}

export const NO_METRICS: MetricsSink = { decision() {}, providerFetch() {}, replaySuspected() {} };

/**
 * The data point layout in the Analytics Engine dataset (docs/operations.md queries these columns).
 * `index1` is the event kind, so ABR sampling of the many decisions never thins out the rare fetches.
 */
export const DATA_POINT_LAYOUT = {
  decision: {
    blobs: ["event", "outcome", "reason", "route", "issuer", "kid", "tier", "credential", "colo"],
    doubles: ["authMs", "status", "keyAgeSeconds", "keyLookupMs", "verifyMs", "durationMs"],
  },
  provider_fetch: {
    blobs: ["event", "outcome", "document", "url"],
    doubles: ["durationMs", "status"],
  },
  token_replay_suspected: {
    blobs: ["event", "action", "route", "credential", "colo"],
    doubles: ["networks"],
  },
} as const;

const MAX_BLOB_LENGTH = 256;

export function decisionDataPoint(d: Decision): AnalyticsEngineDataPoint {
  return {
    indexes: ["decision"],
    blobs: [
      "decision",
      d.outcome,
      d.reason ?? "",
      d.route,
      d.issuer ?? "",
      d.kid ?? "",
      d.tier ?? "",
      d.credential ?? "",
      d.colo ?? "",
    ].map(blob),
    doubles: [
      d.authMs ?? d.durationMs,
      d.status,
      d.keyAgeSeconds ?? 0,
      d.keyLookupMs ?? 0,
      d.verifyMs ?? 0,
      d.durationMs,
    ],
  };
}

export function providerFetchDataPoint(f: ProviderFetch): AnalyticsEngineDataPoint {
  return {
    indexes: ["provider_fetch"],
    blobs: ["provider_fetch", f.outcome, f.document, f.url].map(blob),
    doubles: [f.durationMs, f.status ?? 0],
  };
}

export function replaySuspectedDataPoint(r: ReplaySuspected): AnalyticsEngineDataPoint {
  return {
    indexes: ["token_replay_suspected"],
    blobs: ["token_replay_suspected", r.action, r.route, r.credential, r.colo ?? ""].map(blob),
    doubles: [r.networks],
  };
}

/**
 * A sink over the `AUTH_METRICS` binding (a Workers Analytics Engine dataset); a no-op when the
 * binding is absent. A failing write is logged, never thrown.
 */
export function metricsSinkFor(binding: unknown, log: (line: Record<string, unknown>) => void): MetricsSink {
  if (!isDataset(binding)) return NO_METRICS;
  const write = (point: AnalyticsEngineDataPoint) => {
    try {
      binding.writeDataPoint(point);
    } catch (error) {
      log({ event: "metrics_write_failed", error: error instanceof Error ? error.name : "unknown" });
    }
  };
  return {
    decision: (decision) => write(decisionDataPoint(decision)),
    providerFetch: (fetch) => write(providerFetchDataPoint(fetch)),
    replaySuspected: (suspicion) => write(replaySuspectedDataPoint(suspicion)),
  };
}

function isDataset(binding: unknown): binding is AnalyticsEngineDataset {
  return (
    typeof binding === "object" &&
    binding !== null &&
    typeof (binding as { writeDataPoint?: unknown }).writeDataPoint === "function"
  );
}

function blob(value: string): string {
  return value.length > 24 || value.includes("@")
    ? redactLogValue(value, false).slice(0, MAX_BLOB_LENGTH)
    : value;
}
