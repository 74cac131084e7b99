import { type Failure, unavailable } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import {
  ageSeconds,
  clampMaxAgeSeconds,
  type Dated,
  type Freshness,
  judgeFreshness,
  type MaxAgeBounds,
} from "./freshness.ts";
import {
  type DocumentKind,
  documentKey,
  KV_RECORD_VERSION,
  readDocumentRecord,
  writeRecord,
} from "./kv-store.ts";
import type { Fetched, FetchProblem } from "./refresh.ts";

/** A judged document in isolate memory, with where it came from and when it was fetched. */
export interface Entry<T> extends Dated {
  readonly value: T;
  readonly source: "kv" | "provider";
  /** Which refresh of this isolate installed it; with fetchedAt it decides which of two is newer. */
  readonly generation: number;
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

export type Tier = "memory" | "kv" | "provider" | "stale";

export interface Served<T> {
  readonly entry: Entry<T>;
  readonly tier: Tier;
}

export interface DocumentSnapshot {
  readonly source?: "kv" | "provider";
  readonly fetchedAt?: string;
  readonly ageSeconds?: number;
  readonly maxAgeSeconds?: number;
  readonly freshness?: Freshness;
  readonly refreshing: boolean;
  readonly lastFetch?: { readonly at: string; readonly ok: boolean; readonly problem?: string };
}

interface InFlight {
  readonly promise: Promise<RefreshOutcome>;
  readonly startedAt: number;
}

interface Attempt {
  readonly at: number;
  readonly ok: boolean;
  readonly problem?: string;
}

/**
 * One provider document (the discovery document or the JWKS) cached in three tiers: isolate memory,
 * then KV, then the provider. Memory holds values only. While a refresh runs, its promise is kept so
 * that concurrent requests of this isolate wait for it instead of fetching again; a waiter never
 * waits past `refreshDeadlineMs` (on Workers, I/O started by one request may never complete for
 * another, e.g. when the first client disconnects), and a refresh older than that is abandoned.
 */
export class DocumentCache<T> {
  #entry: Entry<T> | undefined;
  #generation = 0;
  #inFlight: InFlight | undefined;
  #lastAttempt: Attempt | undefined;

  constructor(
    private readonly source: DocumentSource<T>,
    private readonly policy: DocumentPolicy,
  ) {}

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
    if (before) {
      const freshness = this.freshness(before, rt.now());
      if (freshness === "fresh") return ok({ entry: before, tier: "memory" });
      if (freshness === "stale") {
        this.#refreshBehind(rt);
        return ok({ entry: before, tier: "stale" });
      }
    }
    const outcome = await this.refresh(rt, {
      trigger: before ? "expired" : "cold",
      satisfied: (entry, nowMs) => entry !== undefined && this.freshness(entry, nowMs) !== "expired",
    });
    const after = this.#entry;
    const freshness = after ? this.freshness(after, rt.now()) : "expired";
    if (!after || freshness === "expired")
      return fail(outcome.ok ? this.#unavailable("no usable document", 1) : outcome.failure);
    if (freshness === "stale") {
      this.#refreshBehind(rt);
      return ok({ entry: after, tier: "stale" });
    }
    return ok({ entry: after, tier: after === before ? "memory" : after.source });
  }

  /** Runs `plan`, or joins the refresh already running in this isolate. Never rejects. */
  refresh(rt: Runtime, plan: RefreshPlan<T>): Promise<RefreshOutcome> {
    const now = rt.now();
    const running = this.#running(now);
    if (running) return this.#wait(running);
    const generation = ++this.#generation;
    const promise = this.#run(rt, plan, generation);
    const inFlight: InFlight = { promise, startedAt: now };
    this.#inFlight = inFlight;
    void promise.then(() => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    });
    return promise;
  }

  /** Waits (bounded) for the refresh running in this isolate, if any. */
  async waitForRunning(rt: Runtime): Promise<RefreshOutcome | undefined> {
    const running = this.#running(rt.now());
    return running ? this.#wait(running) : undefined;
  }

  /** While the isolate backs off after a failed fetch: the failure a request should get (503). */
  backoffFailure(nowMs: number): Failure | undefined {
    const remainingMs = this.#backoffRemainingMs(nowMs);
    if (remainingMs <= 0) return undefined;
    return this.#unavailable(
      `backing off after a failed fetch: ${this.#lastAttempt?.problem ?? "unknown"}`,
      Math.ceil(remainingMs / 1000),
    );
  }

  snapshot(nowMs: number): DocumentSnapshot {
    const entry = this.#entry;
    const attempt = this.#lastAttempt;
    return {
      ...(entry
        ? {
            source: entry.source,
            fetchedAt: new Date(entry.fetchedAt).toISOString(),
            ageSeconds: Math.floor(ageSeconds(entry, nowMs)),
            maxAgeSeconds: entry.maxAgeSeconds,
            freshness: this.freshness(entry, nowMs),
          }
        : {}),
      refreshing: this.#running(nowMs) !== undefined,
      ...(attempt
        ? {
            lastFetch: {
              at: new Date(attempt.at).toISOString(),
              ok: attempt.ok,
              ...(attempt.problem === undefined ? {} : { problem: attempt.problem }),
            },
          }
        : {}),
    };
  }

  async #run(rt: Runtime, plan: RefreshPlan<T>, generation: number): Promise<RefreshOutcome> {
    try {
      await this.#adoptFromKv(rt, generation);
      if (plan.satisfied(this.#entry, rt.now())) return { ok: true, askedProvider: false };
      const backoff = this.backoffFailure(rt.now());
      if (backoff) return { ok: false, failure: backoff, askedProvider: false };
      if (plan.mayAskProvider && !(await plan.mayAskProvider(rt))) return { ok: true, askedProvider: false };
      return await this.#fetch(rt, plan, generation);
    } catch (error) {
      // A bug, not the provider: answer 503 rather than crash the request, and say so in the log.
      const problem = error instanceof Error ? `${error.name}: ${error.message}` : "unknown error";
      rt.log({ event: "key_refresh_error", document: this.source.kind, problem });
      return { ok: false, failure: this.#unavailable(problem, 1), askedProvider: false };
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
    this.#install({
      value,
      fetchedAt: record.fetchedAt,
      maxAgeSeconds: clampMaxAgeSeconds(record.maxAgeSeconds, this.policy),
      source: "kv",
      generation,
    });
  }

  async #fetch(rt: Runtime, plan: RefreshPlan<T>, generation: number): Promise<RefreshOutcome> {
    const { kind } = this.source;
    const fetchedAt = rt.now();
    const fetched = await this.source.fetch(rt);
    const finishedAt = rt.now();
    const logged = { event: "key_fetch", document: kind, issuer: this.policy.issuer, trigger: plan.trigger };
    if (!fetched.ok) {
      this.#lastAttempt = { at: finishedAt, ok: false, problem: fetched.failure.detail };
      rt.log({
        ...logged,
        outcome: "failed",
        reason: fetched.failure.reason,
        problem: fetched.failure.detail,
      });
      const failure = unavailable(
        fetched.failure.reason,
        this.policy.failureBackoffSeconds,
        fetched.failure.detail,
      );
      return { ok: false, failure, askedProvider: true };
    }
    this.#lastAttempt = { at: finishedAt, ok: true };
    const entry: Entry<T> = {
      value: fetched.value.value,
      fetchedAt,
      maxAgeSeconds: clampMaxAgeSeconds(fetched.value.declaredMaxAgeSeconds, this.policy),
      source: "provider",
      generation,
    };
    const installed = this.#install(entry);
    rt.log({ ...logged, outcome: installed ? "ok" : "superseded", maxAgeSeconds: entry.maxAgeSeconds });
    if (installed) {
      rt.waitUntil(this.#store(rt, entry, fetched.value.stored));
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
    if (older) return false;
    this.#entry = entry;
    return true;
  }

  /** Shares a fetched document through KV, unless a newer one is already there (or in memory). */
  async #store(rt: Runtime, entry: Entry<T>, stored: unknown): Promise<void> {
    const { kind } = this.source;
    const { issuer, kvTimeoutMs, maxStaleSeconds } = this.policy;
    if (this.#entry !== entry) return;
    const existing = await readDocumentRecord(rt, kind, issuer, kvTimeoutMs);
    if (existing && existing.fetchedAt > entry.fetchedAt) return;
    await writeRecord(
      rt,
      documentKey(kind, issuer),
      {
        version: KV_RECORD_VERSION,
        kind,
        issuer,
        fetchedAt: entry.fetchedAt,
        maxAgeSeconds: entry.maxAgeSeconds,
        body: stored,
      },
      // Kept as long as it may serve: after max-age + max-stale it is of no use to anyone.
      entry.maxAgeSeconds + maxStaleSeconds,
    );
  }

  /** Stale memory: refresh behind the response, once per isolate at a time and not while backing off. */
  #refreshBehind(rt: Runtime): void {
    const now = rt.now();
    if (this.#running(now) || this.#backoffRemainingMs(now) > 0) return;
    rt.waitUntil(
      this.refresh(rt, {
        trigger: "stale",
        satisfied: (entry, nowMs) => entry !== undefined && this.freshness(entry, nowMs) === "fresh",
      }),
    );
  }

  #running(nowMs: number): InFlight | undefined {
    const running = this.#inFlight;
    return running && nowMs - running.startedAt <= this.policy.refreshDeadlineMs ? running : undefined;
  }

  async #wait(running: InFlight): Promise<RefreshOutcome> {
    const deadlineMs = this.policy.refreshDeadlineMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<RefreshOutcome>((resolve) => {
      timer = setTimeout(() => {
        const failure = this.#unavailable(`a refresh did not finish within ${deadlineMs} ms`, 1);
        resolve({ ok: false, failure, askedProvider: false });
      }, deadlineMs);
    });
    try {
      return await Promise.race([running.promise, gaveUp]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  #backoffRemainingMs(nowMs: number): number {
    const attempt = this.#lastAttempt;
    if (!attempt || attempt.ok) return 0;
    return attempt.at + this.policy.failureBackoffSeconds * 1000 - nowMs;
  }

  #unavailable(detail: string, retryAfterSeconds: number): Failure {
    const reason = this.source.kind === "discovery" ? "discovery_unavailable" : "jwks_unavailable";
    return unavailable(reason, Math.max(1, retryAfterSeconds), detail);
  }
}
