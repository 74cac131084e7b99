import type { GateConfig } from "../config/config.ts";
import type { Failure, FailureReason } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import type { DiscoveryDocument } from "./discovery.ts";
import {
  DocumentCache,
  type DocumentState,
  type Entry,
  type RefreshOutcome,
  type RefreshPlan,
} from "./document-cache.ts";
import type { FetchLimits } from "./fetch-json.ts";
import { ageSeconds, freshForMs } from "./freshness.ts";
import {
  type KeySet,
  keyFitsAlgorithm,
  sameKeyMaterial,
  selectKeys,
  type VerificationKey,
} from "./key-set.ts";
import type { KeyMatch, KeySource } from "./key-source.ts";
import { discoverySource, fixedKeySetSource, keySetSource } from "./sources.ts";
import { UnknownKidRefresh } from "./unknown-kid.ts";
import type { KeyTier } from "./vocabulary.ts";

/** The keys of one issuer as this isolate holds them now: what the health endpoint reads, once. */
export interface KeyCacheState {
  /** The issuer's name in route rules ("login" for the sign-in issuer). */
  readonly name: string;
  readonly issuer: string;
  readonly discovery: DocumentState<DiscoveryDocument>;
  readonly jwks: DocumentState<KeySet>;
  readonly unknownKidCooldownSeconds: number;
}

/** What a scheduled refresh did for each document. */
export interface RefreshReport {
  readonly discovery: RefreshResult;
  readonly jwks: RefreshResult;
}

export type RefreshResult =
  | { readonly outcome: "refreshed" | "current" }
  | { readonly outcome: "failed"; readonly reason: FailureReason; readonly problem?: string };

/**
 * The issuer's discovery document and key set, cached in isolate memory (parsed, with imported
 * CryptoKeys), then KV (shared by every isolate and location), then fetched from the provider.
 * One instance per isolate and configuration.
 */
export class KeyCache implements KeySource {
  readonly #config: Pick<GateConfig, "issuer" | "keyCache">;
  /** The issuer's name in route rules, for the health document ("login" for the sign-in issuer). */
  readonly name: string;
  readonly #discovery: DocumentCache<DiscoveryDocument>;
  readonly #jwks: DocumentCache<KeySet>;
  readonly #unknownKid: UnknownKidRefresh;

  /**
   * `config.issuer`'s keys. With `jwksUri`, the key set is fetched from there and no discovery
   * document is read (an issuer without OIDC discovery).
   */
  constructor(
    config: Pick<GateConfig, "issuer" | "keyCache">,
    options: { name?: string; jwksUri?: string } = {},
  ) {
    this.#config = config;
    this.name = options.name ?? "login";
    const { issuer, keyCache: settings } = config;
    const limits: FetchLimits = { timeoutMs: settings.fetchTimeoutMs, maxBytes: settings.maxResponseBytes };
    const policy = {
      issuer,
      minMaxAgeSeconds: settings.minMaxAgeSeconds,
      maxMaxAgeSeconds: settings.maxMaxAgeSeconds,
      maxStaleSeconds: settings.maxStaleSeconds,
      failureBackoffSeconds: settings.failureBackoffSeconds,
      kvTimeoutMs: settings.kvTimeoutMs,
      // A JWKS refresh may read KV twice, fetch discovery and fetch the JWKS.
      refreshDeadlineMs: 2 * settings.fetchTimeoutMs + 3 * settings.kvTimeoutMs,
    };
    this.#discovery = new DocumentCache(discoverySource(issuer, limits), policy);
    this.#jwks = new DocumentCache(
      options.jwksUri === undefined
        ? keySetSource(issuer, this.#discovery, limits)
        : fixedKeySetSource(issuer, options.jwksUri, limits),
      policy,
    );
    this.#unknownKid = new UnknownKidRefresh(this.#jwks, issuer, settings);
    this.#fixedJwksUri = options.jwksUri !== undefined;
  }

  readonly #fixedJwksUri: boolean;

  /** The issuer's discovery document (OIDC Discovery §3), or a 503 failure when none can be had. */
  async discovery(rt: Runtime): Promise<Result<DiscoveryDocument, Failure>> {
    const read = await this.#discovery.read(rt);
    return read.ok ? ok(read.value.entry.value) : read;
  }

  /**
   * Finds the keys for a token's `kid` and `alg`. A kid the set does not have (or, without a kid, no
   * key for alg) forces one refresh per cooldown, shared by the concurrent requests of the isolate;
   * still unknown after it → `unknown_kid` (401). When the keys cannot be had → 503, never 401.
   */
  async keysFor(rt: Runtime, kid: string | undefined, alg: string): Promise<Result<KeyMatch, Failure>> {
    const read = await this.#jwks.read(rt);
    if (!read.ok) return read;
    const { entry, tier } = read.value;
    const found = selectKeys(entry.value, kid, alg);
    if (found.length > 0) return ok(this.#match(found, tier, entry, rt));

    const refreshed = await this.#unknownKid.run(rt, (set) => selectKeys(set, kid, alg).length > 0, kid);
    const after = this.#jwks.entry ?? entry;
    const again = selectKeys(after.value, kid, alg);
    if (again.length > 0) return ok(this.#match(again, this.#tierAfter(after, entry, tier, rt), after, rt));
    if (!refreshed.ok) return fail(refreshed.failure);
    return fail({
      kind: "unauthenticated",
      reason: "unknown_kid",
      detail: `no key for kid ${JSON.stringify(kid === undefined ? null : kid.slice(0, 64))} and ${alg}`,
    });
  }

  /**
   * For a token without a kid whose signature no candidate key verified: one forced refresh (same
   * cooldown as an unknown kid), then the keys for alg that were not tried yet (often none).
   */
  async keysAfterSignatureMiss(
    rt: Runtime,
    alg: string,
    tried: readonly VerificationKey[],
  ): Promise<Result<KeyMatch, Failure>> {
    const untried = (set: KeySet) =>
      set.keys.filter((key) => keyFitsAlgorithm(key, alg) && !tried.some((old) => sameKeyMaterial(old, key)));
    const before = this.#jwks.entry;
    const refreshed = await this.#unknownKid.run(rt, (set) => untried(set).length > 0, undefined);
    const after = this.#jwks.entry;
    if (!after) return fail(refreshed.ok ? unknownKid(alg) : refreshed.failure);
    const keys = untried(after.value);
    if (keys.length === 0 && !refreshed.ok) return fail(refreshed.failure);
    return ok(this.#match(keys, this.#tierAfter(after, before, "memory", rt), after, rt));
  }

  /**
   * For the cron trigger: refreshes the discovery document and the key set when they would go stale
   * within `refreshAheadSeconds` (KV first: another isolate may have done it), so that in steady
   * state no request waits for the provider.
   */
  async refresh(rt: Runtime): Promise<RefreshReport> {
    const aheadMs = this.#config.keyCache.refreshAheadSeconds * 1000;
    const plan = <T>(): RefreshPlan<T> => ({
      trigger: "cron",
      satisfied: (entry, nowMs) => entry !== undefined && freshForMs(entry, nowMs) > aheadMs,
    });
    const discovery = this.#fixedJwksUri
      ? ({ outcome: "current" } as const)
      : summarize(await this.#discovery.refresh(rt, plan()));
    const jwks = summarize(await this.#jwks.refresh(rt, plan()));
    return { discovery, jwks };
  }

  /** The issuer this cache holds the keys of. */
  get issuer(): string {
    return this.#config.issuer;
  }

  /** Each document's entry, freshness, last fetch and whether it is refreshing; the unknown-kid cooldown. */
  state(nowMs: number): KeyCacheState {
    return {
      name: this.name,
      issuer: this.#config.issuer,
      discovery: this.#discovery.state(nowMs),
      jwks: this.#jwks.state(nowMs),
      unknownKidCooldownSeconds: this.#unknownKid.cooldownRemainingSeconds(nowMs),
    };
  }

  /** For the health endpoint: loads the key set the way a request would (memory → KV → provider). */
  async prepare(rt: Runtime): Promise<void> {
    await this.#jwks.read(rt);
  }

  #tierAfter(after: Entry<KeySet>, before: Entry<KeySet> | undefined, tier: KeyTier, rt: Runtime): KeyTier {
    if (after === before) return tier;
    return this.#jwks.freshness(after, rt.now()) === "fresh" ? after.source : "stale";
  }

  #match(keys: readonly VerificationKey[], tier: KeyTier, entry: Entry<KeySet>, rt: Runtime): KeyMatch {
    return { keys, tier, ageSeconds: ageSeconds(entry, rt.now()) };
  }
}

function unknownKid(alg: string): Failure {
  return { kind: "unauthenticated", reason: "unknown_kid", detail: `no key for ${alg}` };
}

function summarize(outcome: RefreshOutcome): RefreshResult {
  if (outcome.ok) return { outcome: outcome.askedProvider ? "refreshed" : "current" };
  return {
    outcome: "failed",
    reason: outcome.failure.reason,
    ...(outcome.failure.detail === undefined ? {} : { problem: outcome.failure.detail }),
  };
}
