import { type Failure, unavailable } from "../failure.ts";
import type { DocumentKind } from "./kv-store.ts";
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

/**
 * The provider's recent record for one document in this isolate: the last fetch and how it went.
 * After a failure the isolate backs off, so an outage cannot turn requests into a stream of fetches.
 */
export class FetchAttempts {
  #last: FetchAttempt | undefined;

  constructor(
    private readonly kind: DocumentKind,
    private readonly backoffSeconds: number,
  ) {}

  get last(): FetchAttempt | undefined {
    return this.#last;
  }

  record(attempt: FetchAttempt): void {
    this.#last = attempt;
  }

  /** While backing off after a failed fetch: the failure a request should get (503). */
  backoffFailure(nowMs: number): Failure | undefined {
    return this.#remainingMs(nowMs) > 0 ? this.lastFailure(nowMs) : undefined;
  }

  /** When the last fetch failed (backing off or not): that failure, for a 503. */
  lastFailure(nowMs: number): Failure | undefined {
    const attempt = this.#last;
    if (!attempt || attempt.ok) return undefined;
    const retryAfterSeconds = Math.ceil(this.#remainingMs(nowMs) / 1000);
    return unavailableFor(this.kind, `the last fetch failed: ${attempt.problem}`, retryAfterSeconds);
  }

  #remainingMs(nowMs: number): number {
    const attempt = this.#last;
    if (!attempt || attempt.ok) return 0;
    return attempt.at + this.backoffSeconds * 1000 - nowMs;
  }
}

/** The 503 failure for a document that cannot be had, with a Retry-After of at least 1 s. */
export function unavailableFor(kind: DocumentKind, detail: string, retryAfterSeconds: number): Failure {
  const reason = kind === "discovery" ? "discovery_unavailable" : "jwks_unavailable";
  return unavailable(reason, Math.max(1, retryAfterSeconds), detail);
}
