import { type Failure, type FailureReason, unavailable } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type FetchAttempt, FetchAttempts, unavailableFor } from "./fetch-attempts.ts";
import {
  clampMaxAgeSeconds,
  type Dated,
  type Freshness,
  judgeFreshness,
  type MaxAgeBounds,
} from "./freshness.ts";
import { InFlightRefresh } from "./in-flight.ts";
import type { DroppedKey } from "./key-set.ts";
import { type DocumentKind, documentKey, readDocumentRecord, writeDocumentRecord } from "./kv-store.ts";
import type { KeyTier, ProviderFetchOutcome } from "./vocabulary.ts";

/** A judged document in isolate memory, with where it came from and when it was fetched. */
export interface Entry<T> extends Dated {
  readonly value: T;
  readonly source: "kv" | "provider";
  /** Which refresh of this isolate installed it; with fetchedAt it decides which of two is newer. */
  readonly generation: number;
}

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

/** How to get one kind of document from the provider, and how to trust it again when it comes from KV. */
export interface DocumentSource<T> {
  readonly kind: DocumentKind;
  fetch(rt: Runtime): Promise<Result<Fetched<T>, FetchProblem>>;
  revive(stored: unknown): Promise<T | undefined>;
}

export interface DocumentPolicy extends MaxAgeBounds {
  readonly issuer: string;
  readonly maxStaleSeconds: number;
  readonly failureBackoffSeconds: number;
  readonly kvTimeoutMs: number;
  /** The longest a refresh may take; past it, waiters give up and a new refresh may start. */
  readonly refreshDeadlineMs: number;
}

export type Trigger = "cold" | "expired" | "stale" | "unknown_kid" | "cron";

/** What one refresh is for: it looks into KV first and asks the provider only when KV did not satisfy it. */
export interface RefreshPlan<T> {
  readonly trigger: Trigger;
  satisfied(entry: Entry<T> | undefined, nowMs: number): boolean;
  /** A last word before the provider is asked; false skips the fetch (the outcome stays ok). */
  mayAskProvider?(rt: Runtime): Promise<boolean>;
  /** Called when the provider's answer was installed. */
  afterFetch?(rt: Runtime, entry: Entry<T>): void;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly askedProvider: boolean }
  | { readonly ok: false; readonly failure: Failure; readonly askedProvider: boolean };

/** One document as this isolate holds it now, for the health endpoint (which shapes it). */
export interface DocumentState<T> {
  readonly entry: Entry<T> | undefined;
  /** The entry's freshness now; undefined without an entry. */
  readonly freshness: Freshness | undefined;
  readonly lastFetch: FetchAttempt | undefined;
  /** Whether a refresh is running in this isolate. */
  readonly refreshing: boolean;
}

export interface Served<T> {
  readonly entry: Entry<T>;
  readonly tier: KeyTier;
}

/**
 * One provider document (the discovery document or the JWKS) cached in three tiers: isolate memory
 * (values only), then KV, then the provider. At most one refresh runs per isolate at a time; the
 * requests that need one meanwhile join it (see InFlightRefresh for why that cannot hang them).
 */
export class DocumentCache<T> {
  #entry: Entry<T> | undefined;
  #generation = 0;
  readonly #attempts: FetchAttempts;
  readonly #inFlight: InFlightRefresh<RefreshOutcome>;

  constructor(
    private readonly source: DocumentSource<T>,
    private readonly policy: DocumentPolicy,
  ) {
    this.#inFlight = new InFlightRefresh(policy.refreshDeadlineMs);
    this.#attempts = new FetchAttempts(source.kind, policy.failureBackoffSeconds);
  }

  get entry(): Entry<T> | undefined {
    return this.#entry;
  }

  freshness(entry: Dated, nowMs: number): Freshness {
    return judgeFreshness(entry, this.policy.maxStaleSeconds, nowMs);
  }

  /**
   * The document for a request: fresh memory at once; stale memory at once with a refresh behind the
   * response; otherwise KV, then the provider, while the request waits. Fails (→ 503) only when
   * nothing usable can be had.
   */
  async read(rt: Runtime): Promise<Result<Served<T>, Failure>> {
    const before = this.#entry;
    if (before && this.freshness(before, rt.now()) !== "expired")
      return ok(this.#serve(rt, before, "memory"));
    const outcome = await this.refresh(rt, {
      trigger: before ? "expired" : "cold",
      satisfied: (entry, nowMs) => entry !== undefined && this.freshness(entry, nowMs) !== "expired",
    });
    const after = this.#entry;
    if (!after || this.freshness(after, rt.now()) === "expired")
      return fail(outcome.ok ? unavailableFor(this.source.kind, "no usable document", 1) : outcome.failure);
    return ok(this.#serve(rt, after, after === before ? "memory" : after.source));
  }

  /** Runs `plan`, or joins the refresh already running in this isolate. Never rejects. */
  refresh(rt: Runtime, plan: RefreshPlan<T>): Promise<RefreshOutcome> {
    const running = this.#inFlight.running(rt.now());
    if (running) return this.#join(running);
    return this.#inFlight.start(rt.now(), this.#run(rt, plan, ++this.#generation));
  }

  /** Waits (bounded) for the refresh running in this isolate, if any. */
  async waitForRunning(rt: Runtime): Promise<RefreshOutcome | undefined> {
    const running = this.#inFlight.running(rt.now());
    return running ? this.#join(running) : undefined;
  }

  /** The provider's recent record for this document: the last fetch and the backoff after a failure. */
  get attempts(): FetchAttempts {
    return this.#attempts;
  }

  state(nowMs: number): DocumentState<T> {
    const entry = this.#entry;
    return {
      entry,
      freshness: entry && this.freshness(entry, nowMs),
      lastFetch: this.#attempts.last,
      refreshing: this.#inFlight.running(nowMs) !== undefined,
    };
  }

  /** Serves a usable entry; a stale one also starts a refresh behind the response. */
  #serve(rt: Runtime, entry: Entry<T>, tier: KeyTier): Served<T> {
    const now = rt.now();
    if (this.freshness(entry, now) === "fresh") return { entry, tier };
    // Once per isolate at a time, and not while backing off after a failure.
    if (!this.#inFlight.running(now) && !this.#attempts.backoffFailure(now))
      rt.waitUntil(
        this.refresh(rt, {
          trigger: "stale",
          satisfied: (current, nowMs) => current !== undefined && this.freshness(current, nowMs) === "fresh",
        }),
      );
    return { entry, tier: "stale" };
  }

  async #run(rt: Runtime, plan: RefreshPlan<T>, generation: number): Promise<RefreshOutcome> {
    try {
      await this.#adoptFromKv(rt, generation);
      if (plan.satisfied(this.#entry, rt.now())) return { ok: true, askedProvider: false };
      const backoff = this.#attempts.backoffFailure(rt.now());
      if (backoff) return { ok: false, failure: backoff, askedProvider: false };
      if (plan.mayAskProvider && !(await plan.mayAskProvider(rt))) return { ok: true, askedProvider: false };
      return await this.#fetch(rt, plan, generation);
    } catch (error) {
      // A bug, not the provider: answer 503 rather than crash the request, and say so in the log.
      const problem = error instanceof Error ? `${error.name}: ${error.message}` : "unknown error";
      rt.log({ event: "key_refresh_error", document: this.source.kind, problem });
      return { ok: false, failure: unavailableFor(this.source.kind, problem, 1), askedProvider: false };
    }
  }

  async #adoptFromKv(rt: Runtime, generation: number): Promise<void> {
    const { kind } = this.source;
    const record = await readDocumentRecord(rt, kind, this.policy.issuer, this.policy.kvTimeoutMs);
    if (!record || (this.#entry && record.fetchedAt <= this.#entry.fetchedAt)) return;
    const value = await this.source.revive(record.body);
    if (value === undefined) {
      rt.log({
        event: "kv_record_ignored",
        key: documentKey(kind, this.policy.issuer),
        problem: "judged bad",
      });
      return;
    }
    const maxAgeSeconds = clampMaxAgeSeconds(record.maxAgeSeconds, this.policy);
    this.#install({ value, fetchedAt: record.fetchedAt, maxAgeSeconds, source: "kv", generation });
  }

  async #fetch(rt: Runtime, plan: RefreshPlan<T>, generation: number): Promise<RefreshOutcome> {
    const { kind } = this.source;
    const { issuer, maxStaleSeconds, kvTimeoutMs } = this.policy;
    const fetchedAt = rt.now();
    const fetched = await this.source.fetch(rt);
    const logged = { event: "key_fetch", document: kind, issuer, trigger: plan.trigger };
    if (!fetched.ok) {
      const { reason, detail, outcome, status } = fetched.failure;
      this.#attempts.record({
        at: rt.now(),
        ok: false,
        problem: detail,
        outcome,
        ...(status ? { status } : {}),
      });
      rt.log({ ...logged, outcome: "failed", reason, problem: detail });
      const failure = unavailable(reason, this.policy.failureBackoffSeconds, detail);
      return { ok: false, failure, askedProvider: true };
    }
    this.#attempts.record({ at: rt.now(), ok: true, outcome: "ok", status: 200 });
    const maxAgeSeconds = clampMaxAgeSeconds(fetched.value.declaredMaxAgeSeconds, this.policy);
    const entry: Entry<T> = {
      value: fetched.value.value,
      fetchedAt,
      maxAgeSeconds,
      source: "provider",
      generation,
    };
    const installed = this.#install(entry);
    rt.log({ ...logged, outcome: installed ? "ok" : "superseded", maxAgeSeconds });
    if (installed) {
      const shared = { kind, issuer, fetchedAt, maxAgeSeconds, body: fetched.value.stored };
      rt.waitUntil(writeDocumentRecord(rt, shared, maxStaleSeconds, kvTimeoutMs));
      plan.afterFetch?.(rt, entry);
    }
    return { ok: true, askedProvider: true };
  }

  /** Installs `entry` unless memory already holds a newer one: a refresh that finishes late loses. */
  #install(entry: Entry<T>): boolean {
    const current = this.#entry;
    const older =
      current !== undefined &&
      (entry.fetchedAt < current.fetchedAt ||
        (entry.fetchedAt === current.fetchedAt && entry.generation <= current.generation));
    if (!older) this.#entry = entry;
    return !older;
  }

  #join(running: Promise<RefreshOutcome>): Promise<RefreshOutcome> {
    return this.#inFlight.wait(running, () => ({
      ok: false,
      failure: unavailableFor(
        this.source.kind,
        `a refresh did not finish within ${this.policy.refreshDeadlineMs} ms`,
        1,
      ),
      askedProvider: false,
    }));
  }
}
