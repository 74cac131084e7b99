import type { Failure } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import type { Result } from "../result.ts";
import type { Dated, MaxAgeBounds } from "./freshness.ts";
import type { DocumentKind } from "./kv-store.ts";
import type { Fetched, FetchProblem } from "./refresh.ts";
import type { KeyTier } from "./vocabulary.ts";

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

export interface Served<T> {
  readonly entry: Entry<T>;
  readonly tier: KeyTier;
}
