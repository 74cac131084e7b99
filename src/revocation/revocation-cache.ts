import type { GateConfig } from "../config/config.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import { compileRevocations, NO_REVOCATIONS, type RevocationList } from "./check-revocation.ts";
import { parseRevocationDocument, revocationKey } from "./revocation-document.ts";

export type RevocationLoadOutcome = "ok" | "invalid" | "kv_error";

/** The revocation document's state for the health endpoint. */
export interface RevocationHealth {
  readonly loaded: boolean;
  readonly entries: number;
  readonly ageSeconds?: number;
  readonly lastLoad?: { readonly outcome: RevocationLoadOutcome; readonly atMs: number };
}

/**
 * The issuer's revocation document, held in isolate memory like the keys: fresh for
 * `REVOCATION_CACHE_SECONDS` (no KV read at all), then served while one background refresh per
 * interval reads KV (`waitUntil`), and past `maxStaleSeconds` (or on a cold isolate) read before the
 * request goes on. A failed read never replaces a good document; with none at all it fails open
 * (logged), because a KV outage must not become an authentication outage. Keeps values, never
 * in-flight promises.
 */
export class RevocationCache {
  #list: RevocationList | undefined;
  #backgroundStartedAtMs = Number.NEGATIVE_INFINITY;
  #lastFailureAtMs = Number.NEGATIVE_INFINITY;
  #lastLoad: RevocationHealth["lastLoad"];

  constructor(private readonly config: GateConfig) {}

  async current(rt: Runtime): Promise<RevocationList> {
    const now = rt.now();
    const freshMs = this.config.revocation.cacheSeconds * 1000;
    const list = this.#list;
    const ageMs = list ? now - list.loadedAtMs : Number.POSITIVE_INFINITY;
    if (list && ageMs < freshMs) return list;
    if (list && ageMs < this.config.revocation.maxStaleSeconds * 1000) {
      if (now - this.#backgroundStartedAtMs >= freshMs) {
        this.#backgroundStartedAtMs = now;
        rt.waitUntil(this.#load(rt));
      }
      return list;
    }
    // A failed read is retried once per interval, not by every request while KV is down.
    if (now - this.#lastFailureAtMs >= freshMs) await this.#load(rt);
    return this.#list ?? NO_REVOCATIONS;
  }

  health(nowMs: number): RevocationHealth {
    const list = this.#list;
    return {
      loaded: list !== undefined,
      entries: list?.size ?? 0,
      ...(list ? { ageSeconds: Math.max(0, Math.floor((nowMs - list.loadedAtMs) / 1000)) } : {}),
      ...(this.#lastLoad ? { lastLoad: this.#lastLoad } : {}),
    };
  }

  async #load(rt: Runtime): Promise<void> {
    const startedAt = rt.now();
    const issuer = this.config.issuer;
    const read = await readKvText(rt.kv, revocationKey(issuer), this.config.kvTimeoutMs);
    if ("problem" in read) {
      this.#failed(rt, startedAt, "kv_error", read.problem);
      return;
    }
    const text = read.text;
    const parsed = parseRevocationDocument(text, issuer, Math.floor(startedAt / 1000));
    if (!parsed.ok) {
      this.#failed(rt, startedAt, "invalid", parsed.failure);
      return;
    }
    if (parsed.value.skipped > 0)
      rt.log({ event: "revocation_entries_skipped", issuer, skipped: parsed.value.skipped });
    this.#list = compileRevocations(parsed.value.document, startedAt);
    this.#lastLoad = { outcome: "ok", atMs: startedAt };
  }

  #failed(rt: Runtime, atMs: number, outcome: RevocationLoadOutcome, problem: string): void {
    this.#lastFailureAtMs = atMs;
    this.#lastLoad = { outcome, atMs };
    rt.log({
      event: "revocation_load_failed",
      issuer: this.config.issuer,
      outcome,
      problem,
      using: this.#list ? "the previous document" : "no revocations (fail open)",
    });
  }
}
