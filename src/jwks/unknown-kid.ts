import type { KeyCacheSettings } from "../config/config.ts";
import type { Runtime } from "../platform.ts";
import type { DocumentCache, Entry, RefreshOutcome } from "./document-cache.ts";
import type { KeySet } from "./key-set.ts";
import { KV_RECORD_VERSION, kidRefreshKey, readKidRefreshRecord, writeRecord } from "./kv-store.ts";

/**
 * The forced refresh for a key the set lacks (an unknown kid, or a kid-less token no key verifies),
 * limited so that a flood of made-up kids cannot become a flood of fetches:
 *
 * - one per cooldown per isolate. The first request stamps the cooldown and starts the refresh in
 *   the same synchronous step, so every concurrent request sees it running and joins it (bounded by
 *   the refresh deadline) instead of fetching again; then each looks for its own key.
 * - inside the cooldown no fetch at all: the answer is 401 (`unknown_kid`), unless the provider's
 *   last answer was a failure (503: the kid may be a rotation this isolate cannot see yet).
 * - optionally shared through KV by the isolates of a location (see `#sharedCooldownAllows`).
 */
export class UnknownKidRefresh {
  #lastForcedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly jwks: DocumentCache<KeySet>,
    private readonly issuer: string,
    private readonly settings: KeyCacheSettings,
  ) {}

  /** Refreshes unless the set already `wants` the key or the cooldown holds; never rejects. */
  async run(rt: Runtime, wants: (set: KeySet) => boolean, kid: string | undefined): Promise<RefreshOutcome> {
    await this.jwks.waitForRunning(rt);
    const current = this.jwks.entry;
    if (current && wants(current.value)) return { ok: true, askedProvider: false };
    if (rt.now() - this.#lastForcedAt < this.settings.unknownKidCooldownSeconds * 1000) {
      const running = await this.jwks.waitForRunning(rt);
      if (running && !running.ok) return running;
      const failure = this.jwks.attempts.lastFailure(rt.now());
      return failure ? { ok: false, failure, askedProvider: false } : { ok: true, askedProvider: false };
    }
    this.#lastForcedAt = rt.now();
    const shared = this.settings.unknownKidSharedCooldown;
    return this.jwks.refresh(rt, {
      trigger: "unknown_kid",
      satisfied: (entry) => entry !== undefined && wants(entry.value),
      ...(shared
        ? {
            mayAskProvider: (rt2: Runtime) => this.#sharedCooldownAllows(rt2, kid),
            afterFetch: (rt2: Runtime, entry: Entry<KeySet>) => this.#stamp(rt2, entry),
          }
        : {}),
    });
  }

  /** Seconds until this isolate may force a refresh again. */
  cooldownRemainingSeconds(nowMs: number): number {
    const endsAt = this.#lastForcedAt + this.settings.unknownKidCooldownSeconds * 1000;
    return Math.max(0, Math.ceil((endsAt - nowMs) / 1000));
  }

  /**
   * The cooldown shared through KV: if another isolate asked the provider within the cooldown and
   * the kid was not there, do not ask again. If it was there, this isolate's copy of the set is
   * behind (KV propagation), so it does ask. KV is eventually consistent, so this narrows fetches
   * within a location; it is no hard limit across locations.
   */
  async #sharedCooldownAllows(rt: Runtime, kid: string | undefined): Promise<boolean> {
    const { unknownKidCooldownSeconds, kvTimeoutMs } = this.settings;
    const stamp = await readKidRefreshRecord(rt, this.issuer, kvTimeoutMs);
    if (!stamp || rt.now() - stamp.at >= unknownKidCooldownSeconds * 1000) return true;
    if (kid !== undefined && stamp.kids.includes(kid)) return true;
    const ageSeconds = Math.floor((rt.now() - stamp.at) / 1000);
    rt.log({ event: "key_refresh_skipped", issuer: this.issuer, reason: "shared_cooldown", ageSeconds });
    return false;
  }

  #stamp(rt: Runtime, entry: Entry<KeySet>): void {
    const record = {
      version: KV_RECORD_VERSION,
      kind: "kid-refresh",
      issuer: this.issuer,
      at: entry.fetchedAt,
      kids: [...entry.value.byKid.keys()],
    } as const;
    rt.waitUntil(
      writeRecord(
        rt,
        kidRefreshKey(this.issuer),
        record,
        this.settings.unknownKidCooldownSeconds,
        this.settings.kvTimeoutMs,
      ),
    );
  }
}
