import type { FenceSettings } from "../config/config.ts";
import { withDeadline } from "../deadline.ts";
import type { Runtime } from "../platform.ts";
import { entryKey } from "../revocation/check-revocation.ts";
import type { RevocationEntry } from "../revocation/revocation-document.ts";
import type { FenceChanges, FenceCursor, FenceEvent } from "./fence-events.ts";

/** The fence as an isolate last saw it, for `/auth/health`. */
export interface FenceHealth {
  readonly version: number;
  readonly events: number;
  readonly lastCheck?: { readonly outcome: "ok" | "unavailable"; readonly atMs: number };
}

export type FenceCheck = "unchanged" | "changed" | "unavailable";

/**
 * This isolate's copy of the issuer's revocation fence: revoked subjects, sessions and keys, and
 * signed-out tokens, applied in version order. Asked for changes at most once per interval, by the
 * first request after it (which waits up to the timeout); the other requests of the interval use the
 * copy as it is. Keeps values, never an in-flight promise: a request awaits only its own call.
 */
export class FenceView {
  #cursor: FenceCursor | null = null;
  readonly #entries = new Map<string, RevocationEntry>();
  readonly #tokens = new Map<string, number>();
  readonly #ended = new Map<string, RevocationEntry>();
  #checkStartedAtMs = Number.NEGATIVE_INFINITY;
  #available = true;
  #lastCheck: FenceHealth["lastCheck"];

  readonly settings: FenceSettings;

  constructor(settings: FenceSettings) {
    this.settings = settings;
  }

  get entries(): ReadonlyMap<string, RevocationEntry> {
    return this.#entries;
  }

  get tokens(): ReadonlyMap<string, number> {
    return this.#tokens;
  }

  /** Sessions the provider ended, by `sid` or `sub` (compiled with KV's into `endedSessions`). */
  get ended(): Iterable<RevocationEntry> {
    return this.#ended.values();
  }

  /** Whether the last check reached the fence (true before the first). */
  get available(): boolean {
    return this.#available;
  }

  /** Whether the interval since the last check has passed, so this request should ask. */
  isDue(nowMs: number): boolean {
    return nowMs - this.#checkStartedAtMs >= this.settings.intervalMs;
  }

  /**
   * Asks the fence for what changed since the last check and applies it. A fence that fails or does
   * not answer within the timeout leaves the copy as it was (`unavailable`, logged `fence_unavailable`);
   * the next interval asks again.
   */
  async check(rt: Runtime, issuer: string): Promise<FenceCheck> {
    const fence = rt.fence;
    if (!fence) return "unchanged";
    const startedAt = rt.now();
    this.#checkStartedAtMs = startedAt;
    let changed = false;
    for (let page = 0; page < this.settings.maxPagesPerCheck; page++) {
      const nowSeconds = Math.floor(rt.now() / 1000);
      const answer = await withDeadline(
        () => fence.changesSince(this.#cursor, nowSeconds),
        this.settings.timeoutMs,
      );
      if ("problem" in answer) {
        this.#available = false;
        this.#lastCheck = { outcome: "unavailable", atMs: startedAt };
        rt.log({
          event: "fence_unavailable",
          issuer,
          problem: answer.problem,
          using: "the last fence copy and KV",
        });
        return changed ? "changed" : "unavailable";
      }
      changed = this.#apply(answer.value, nowSeconds) || changed;
      if (answer.value.complete) break;
    }
    this.#available = true;
    this.#lastCheck = { outcome: "ok", atMs: startedAt };
    return changed ? "changed" : "unchanged";
  }

  health(): FenceHealth {
    return {
      version: this.#cursor?.version ?? 0,
      events: this.#entries.size + this.#tokens.size + this.#ended.size,
      ...(this.#lastCheck ? { lastCheck: this.#lastCheck } : {}),
    };
  }

  #apply(changes: FenceChanges, nowSeconds: number): boolean {
    if (changes.reset) {
      this.#entries.clear();
      this.#tokens.clear();
      this.#ended.clear();
    }
    const changed = changes.reset || changes.events.length > 0;
    this.#cursor = { epoch: changes.epoch, version: changes.version };
    for (const event of changes.events) this.#applyEvent(event);
    if (changed) this.#prune(nowSeconds);
    return changed;
  }

  #applyEvent(event: FenceEvent): void {
    if (event.kind === "token") {
      this.#tokens.set(event.value, event.expiresAt);
      return;
    }
    if (event.kind === "ended-sid" || event.kind === "ended-sub") {
      const type = event.kind === "ended-sid" ? "sid" : "sub";
      this.#ended.set(entryKey(type, event.value), {
        type,
        value: event.value,
        createdAt: event.createdAt,
        expiresAt: event.expiresAt,
        issuedBefore: event.issuedBefore ?? event.createdAt,
      });
      return;
    }
    this.#entries.set(entryKey(event.kind, event.value), {
      type: event.kind,
      value: event.value,
      createdAt: event.createdAt,
      expiresAt: event.expiresAt,
      // A lifted revocation still overrides KV's copy of it, refusing only what was issued before 0.
      ...(event.lifted
        ? { issuedBefore: 0 }
        : event.issuedBefore === undefined
          ? {}
          : { issuedBefore: event.issuedBefore }),
    });
  }

  #prune(nowSeconds: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= nowSeconds) this.#entries.delete(key);
    for (const [fingerprint, until] of this.#tokens)
      if (until <= nowSeconds) this.#tokens.delete(fingerprint);
  }
}
