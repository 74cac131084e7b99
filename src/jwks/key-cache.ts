import type { GateConfig } from "../config/config.ts";
import { type Failure, unavailable } from "../failure.ts";
import type { KeyHealth, KeyHealthSource } from "../health/key-health.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { type DiscoveryDocument, judgeDiscovery } from "./discovery.ts";
import { fetchProviderJson } from "./fetch-json.ts";
import { ingestJwks, type KeySet, keyFitsAlgorithm, type VerificationKey } from "./key-set.ts";

export type KeyTier = "memory" | "kv" | "provider" | "stale";

export interface KeyMatch {
  /** Keys that may have signed the token: the one with its kid, or every key that fits alg. */
  readonly keys: readonly VerificationKey[];
  readonly tier: KeyTier;
  readonly ageSeconds: number;
}

interface Cached<T> {
  readonly value: T;
  readonly fetchedAt: number;
  readonly maxAgeSeconds: number;
}

/**
 * The issuer's discovery document and key set, held in isolate memory. One instance per isolate and
 * issuer; it keeps values, never in-flight promises.
 */
export class KeyCache implements KeyHealthSource {
  #discovery: Cached<DiscoveryDocument> | undefined;
  #keys: Cached<KeySet> | undefined;
  #lastForcedRefreshAt = Number.NEGATIVE_INFINITY;
  #lastFetch: KeyHealth["lastFetch"];

  constructor(private readonly config: GateConfig) {}

  async discovery(rt: Runtime): Promise<Result<DiscoveryDocument, Failure>> {
    const now = rt.now();
    if (this.#discovery && !this.#isExpired(this.#discovery, now)) return ok(this.#discovery.value);
    const url = `${this.config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const fetched = await fetchProviderJson(rt, url, this.#limits());
    const judged = fetched.ok ? judgeDiscovery(fetched.body, this.config.issuer) : undefined;
    this.#noteFetch(rt, "discovery", fetched, judged?.ok);
    if (!fetched.ok) return this.#unavailable("discovery_unavailable", fetched.problem);
    if (judged === undefined || !judged.ok)
      return this.#unavailable("discovery_unavailable", judged?.problem ?? "not judged");
    this.#discovery = {
      value: judged.value,
      fetchedAt: now,
      maxAgeSeconds: this.#clamp(fetched.maxAgeSeconds),
    };
    return ok(judged.value);
  }

  /** Finds the keys for a token's `kid` and `alg`; an unknown kid forces one refresh per cooldown. */
  async keysFor(rt: Runtime, kid: string | undefined, alg: string): Promise<Result<KeyMatch, Failure>> {
    let tier: KeyTier = "memory";
    if (!this.#keys || this.#isExpired(this.#keys, rt.now())) {
      const loaded = await this.#loadKeys(rt);
      if (!loaded.ok) return loaded;
      tier = "provider";
    }
    let found = this.#select(kid, alg);
    const cooldownMs = this.config.keyCache.unknownKidCooldownSeconds * 1000;
    if (found.length === 0 && tier === "memory" && rt.now() - this.#lastForcedRefreshAt >= cooldownMs) {
      this.#lastForcedRefreshAt = rt.now();
      const loaded = await this.#loadKeys(rt);
      if (loaded.ok) {
        tier = "provider";
        found = this.#select(kid, alg);
      }
    }
    if (found.length === 0)
      return fail({
        kind: "unauthenticated",
        reason: "unknown_kid",
        detail: `no key for kid ${JSON.stringify(kid ?? null)} and ${alg}`,
      });
    const entry = this.#keys as Cached<KeySet>;
    return ok({ keys: found, tier, ageSeconds: Math.max(0, (rt.now() - entry.fetchedAt) / 1000) });
  }

  /** Loads the key set when this isolate has none or an expired one (for the health endpoint). */
  async prepare(rt: Runtime): Promise<void> {
    if (!this.#keys || this.#isExpired(this.#keys, rt.now())) await this.#loadKeys(rt);
  }

  /** The key set's state for the health endpoint. This cache serves no stale keys: fresh or nothing. */
  health(nowMs: number): KeyHealth {
    const entry = this.#keys;
    const keySet = entry && {
      tier: this.#isExpired(entry, nowMs) ? ("expired" as const) : ("memory" as const),
      source: "provider" as const,
      fetchedAtMs: entry.fetchedAt,
      ageSeconds: Math.max(0, Math.floor((nowMs - entry.fetchedAt) / 1000)),
      maxAgeSeconds: entry.maxAgeSeconds,
      kids: entry.value.keys.map((key) => key.kid ?? "(none)"),
    };
    return {
      issuer: this.config.issuer,
      ...(keySet ? { keySet } : {}),
      ...(this.#lastFetch ? { lastFetch: this.#lastFetch } : {}),
      usable: keySet !== undefined && keySet.tier !== "expired" && keySet.kids.length > 0,
    };
  }

  #noteFetch(
    rt: Runtime,
    document: "discovery" | "jwks",
    fetched: Awaited<ReturnType<typeof fetchProviderJson>>,
    accepted: boolean | undefined,
  ): void {
    const outcome = fetched.ok ? (accepted ? "ok" : "invalid") : fetched.kind;
    this.#lastFetch = {
      document,
      outcome,
      ...(fetched.status === undefined ? {} : { status: fetched.status }),
      atMs: rt.now(),
    };
  }

  #select(kid: string | undefined, alg: string): VerificationKey[] {
    const set = this.#keys?.value;
    if (!set) return [];
    if (kid !== undefined) {
      const key = set.byKid.get(kid);
      return key && keyFitsAlgorithm(key, alg) ? [key] : [];
    }
    return set.keys.filter((key) => keyFitsAlgorithm(key, alg));
  }

  async #loadKeys(rt: Runtime): Promise<Result<true, Failure>> {
    const discovery = await this.discovery(rt);
    if (!discovery.ok) return discovery;
    const fetched = await fetchProviderJson(rt, discovery.value.jwks_uri, this.#limits());
    const ingested = fetched.ok ? await ingestJwks(fetched.body) : undefined;
    this.#noteFetch(rt, "jwks", fetched, ingested !== undefined && ingested !== null);
    if (!fetched.ok) return this.#unavailable("jwks_unavailable", fetched.problem);
    if (!ingested) return this.#unavailable("jwks_unavailable", "response is not a JWKS");
    if (ingested.dropped.length > 0)
      rt.log({ event: "jwks_keys_dropped", issuer: this.config.issuer, dropped: ingested.dropped });
    this.#keys = {
      value: ingested.keySet,
      fetchedAt: rt.now(),
      maxAgeSeconds: this.#clamp(fetched.maxAgeSeconds),
    };
    return ok(true);
  }

  #unavailable(
    reason: "discovery_unavailable" | "jwks_unavailable",
    problem: string,
  ): { ok: false; failure: Failure } {
    return fail(unavailable(reason, this.config.unavailableRetryAfterSeconds, problem));
  }

  #isExpired(entry: Cached<unknown>, now: number): boolean {
    return now - entry.fetchedAt >= entry.maxAgeSeconds * 1000;
  }

  #clamp(maxAgeSeconds: number | undefined): number {
    const { minMaxAgeSeconds, maxMaxAgeSeconds } = this.config.keyCache;
    return Math.min(maxMaxAgeSeconds, Math.max(minMaxAgeSeconds, maxAgeSeconds ?? minMaxAgeSeconds));
  }

  #limits() {
    return {
      timeoutMs: this.config.keyCache.fetchTimeoutMs,
      maxBytes: this.config.keyCache.maxResponseBytes,
    };
  }
}
