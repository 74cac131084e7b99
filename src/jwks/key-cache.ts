import type { GateConfig } from "../config/config.ts";
import { type Failure, unavailable } from "../failure.ts";
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
export class KeyCache {
  #discovery: Cached<DiscoveryDocument> | undefined;
  #keys: Cached<KeySet> | undefined;
  #lastForcedRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: GateConfig) {}

  async discovery(rt: Runtime): Promise<Result<DiscoveryDocument, Failure>> {
    const now = rt.now();
    if (this.#discovery && !this.#isExpired(this.#discovery, now)) return ok(this.#discovery.value);
    const url = `${this.config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const fetched = await fetchProviderJson(rt, url, this.#limits());
    if (!fetched.ok) return this.#unavailable("discovery_unavailable", fetched.problem);
    const judged = judgeDiscovery(fetched.body, this.config.issuer);
    if (!judged.ok) return this.#unavailable("discovery_unavailable", judged.problem);
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
    if (!fetched.ok) return this.#unavailable("jwks_unavailable", fetched.problem);
    const ingested = await ingestJwks(fetched.body);
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
