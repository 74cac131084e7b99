import type { GateConfig } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import { type FenceHealth, FenceView } from "../fence/fence-view.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import {
  compileEndedSessions,
  compileRevocations,
  NO_REVOCATIONS,
  type RevocationList,
} from "./check-revocation.ts";
import { listEndedSessions } from "./ended-sessions.ts";
import { parseRevocationDocument, type RevocationEntry, revocationKey } from "./revocation-document.ts";
import { listSignedOut } from "./signed-out-tokens.ts";

/** Sign-outs this isolate remembers itself (beyond them, the oldest are left to KV's list). */
const MAX_LOCAL_SIGN_OUTS = 10_000;

export type RevocationLoadOutcome = "ok" | "invalid" | "kv_error";

/** The revocation document's state for the health endpoint. */
export interface RevocationHealth {
  readonly loaded: boolean;
  readonly entries: number;
  readonly ageSeconds?: number;
  readonly lastLoad?: { readonly outcome: RevocationLoadOutcome; readonly atMs: number };
  /** The revocation fence as this isolate last saw it; absent when REVOCATION_FENCE is not bound. */
  readonly fence?: FenceHealth;
}

/**
 * The issuer's revocation document, held in isolate memory like the keys: fresh for
 * `REVOCATION_CACHE_SECONDS` (no KV read at all), then served while one background refresh per
 * interval reads KV (`waitUntil`), and past `maxStaleSeconds` (or on a cold isolate) read before the
 * request goes on (past the limit by one request per interval: the others go on with the document
 * held rather than pile up behind a stalled KV). A failed read never replaces a good document; with none at all it fails open
 * (logged), because a KV outage must not become an authentication outage. Keeps values, never
 * in-flight promises.
 *
 * The same refresh lists the issuer's signed-out ID tokens in KV (signed-out-tokens.ts); a sign-out
 * in this isolate is added at once (`noteSignedOut`), so no request ever reads KV for them. The same
 * holds for sessions the provider ended by `sid` or `sub` (ended-sessions.ts, `noteSessionsEnded`).
 *
 * With the revocation fence bound (src/fence/), the view also holds the fence's events: the first
 * request after each `REVOCATION_FENCE_INTERVAL_MS` asks the fence what changed (waiting at most
 * `REVOCATION_FENCE_TIMEOUT_MS`), every other request uses the copy. KV's view stays underneath: a
 * fence that cannot be reached leaves the last copy plus KV (fail open to KV, logged
 * `fence_unavailable`), and the list says so for REVOCATION_FENCE_REQUIRED.
 */
export class RevocationCache {
  /** The document as last read from KV. */
  #list: RevocationList | undefined;
  /** Signed-out tokens as last listed from KV, and those signed out in this isolate. */
  #listedSignedOut: ReadonlyMap<string, number> = new Map();
  readonly #localSignedOut = new Map<string, number>();
  /** Ended sessions as last listed from KV, and those ended through this isolate. */
  #listedEnded: readonly RevocationEntry[] = [];
  readonly #localEnded: RevocationEntry[] = [];
  /** What requests see: the document with both sets of signed-out tokens. */
  #view: RevocationList = NO_REVOCATIONS;
  #backgroundStartedAtMs = Number.NEGATIVE_INFINITY;
  #lastFailureAtMs = Number.NEGATIVE_INFINITY;
  #blockingReadStartedAtMs = Number.NEGATIVE_INFINITY;
  #lastLoad: RevocationHealth["lastLoad"];
  readonly #fence: FenceView;

  constructor(private readonly config: GateConfig) {
    this.#fence = new FenceView(config.revocation.fence);
  }

  async current(rt: Runtime): Promise<RevocationList> {
    const view = await this.#currentFromKv(rt);
    if (!rt.fence || !this.#fence.isDue(rt.now())) return view;
    const checked = await this.#fence.check(rt, this.config.issuer);
    const availabilityFlipped = (this.#view.fenceUnavailable ?? false) === this.#fence.available;
    if (checked === "changed" || availabilityFlipped) this.#compose();
    return this.#view;
  }

  async #currentFromKv(rt: Runtime): Promise<RevocationList> {
    const now = rt.now();
    const freshMs = this.config.revocation.cacheSeconds * 1000;
    const list = this.#list;
    const ageMs = list ? now - list.loadedAtMs : Number.POSITIVE_INFINITY;
    if (list && ageMs < freshMs) return this.#view;
    if (list && ageMs < this.config.revocation.maxStaleSeconds * 1000) {
      if (now - this.#backgroundStartedAtMs >= freshMs) {
        this.#backgroundStartedAtMs = now;
        rt.waitUntil(this.#load(rt));
      }
      return this.#view;
    }
    // Past the limit one request per interval waits for the read; the others meanwhile go on with
    // the document held, as they would after a failed read (with none held — a cold isolate — each
    // waits). A failed read is retried once per interval, not by every request while KV is down.
    const anotherIsReading = list !== undefined && now - this.#blockingReadStartedAtMs < freshMs;
    if (!anotherIsReading && now - this.#lastFailureAtMs >= freshMs) {
      this.#blockingReadStartedAtMs = now;
      await this.#load(rt);
    }
    return this.#view;
  }

  /**
   * A session of this isolate signed out: its ID token (by fingerprint) is refused here from now on,
   * until `untilSeconds`. Other isolates learn it from KV at their next refresh.
   */
  noteSignedOut(fingerprint: string, untilSeconds: number, nowSeconds: number): void {
    for (const [known, until] of this.#localSignedOut)
      if (until <= nowSeconds || this.#localSignedOut.size >= MAX_LOCAL_SIGN_OUTS)
        this.#localSignedOut.delete(known);
    this.#localSignedOut.set(fingerprint, untilSeconds);
    this.#compose();
  }

  /**
   * The provider ended a `sid` or `sub` through this isolate: refused here from now on. Other
   * isolates learn it from KV at their next refresh.
   */
  noteSessionsEnded(entry: RevocationEntry, nowSeconds: number): void {
    const live = this.#localEnded.filter((known) => known.expiresAt > nowSeconds);
    this.#localEnded.splice(0, this.#localEnded.length, ...live.slice(-(MAX_LOCAL_SIGN_OUTS - 1)), entry);
    this.#compose();
  }

  health(nowMs: number): RevocationHealth {
    const list = this.#list;
    return {
      loaded: list !== undefined,
      entries: list?.size ?? 0,
      ...(list ? { ageSeconds: Math.max(0, Math.floor((nowMs - list.loadedAtMs) / 1000)) } : {}),
      ...(this.#lastLoad ? { lastLoad: this.#lastLoad } : {}),
      ...(this.#fence.health().lastCheck ? { fence: this.#fence.health() } : {}),
    };
  }

  async #load(rt: Runtime): Promise<void> {
    const startedAt = rt.now();
    const issuer = this.config.issuer;
    const { kvTimeoutMs } = this.config;
    const [read, listed, ended] = await Promise.all([
      readKvText(rt.kv, revocationKey(issuer), kvTimeoutMs),
      listSignedOut(rt, issuer, kvTimeoutMs, DEFAULTS.signedOutListMaxPages),
      listEndedSessions(rt, issuer, kvTimeoutMs, DEFAULTS.endedSessionsListMaxPages),
    ]);
    if (ended.ok) {
      this.#listedEnded = ended.value.entries;
      if (ended.value.truncated)
        rt.log({ event: "ended_sessions_list_truncated", issuer, listed: ended.value.entries.length });
    } else {
      rt.log({ event: "ended_sessions_list_failed", issuer, problem: ended.failure });
    }
    if (listed.ok) {
      this.#listedSignedOut = listed.value.tokens;
      if (listed.value.truncated)
        rt.log({ event: "signed_out_list_truncated", issuer, listed: listed.value.tokens.size });
    } else {
      rt.log({ event: "signed_out_list_failed", issuer, problem: listed.failure });
    }
    this.#compose();
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
    this.#compose();
  }

  /** The view requests see: KV's document and sign-outs, this isolate's sign-outs, the fence's events. */
  #compose(): void {
    const signedOut = new Map(this.#listedSignedOut);
    const add = (fingerprint: string, until: number) =>
      signedOut.set(fingerprint, Math.max(until, signedOut.get(fingerprint) ?? 0));
    for (const [fingerprint, until] of this.#localSignedOut) add(fingerprint, until);
    for (const [fingerprint, until] of this.#fence.tokens) add(fingerprint, until);
    const fromKv = this.#list ?? NO_REVOCATIONS;
    const fenceUnavailable = !this.#fence.available;
    const endedSessions = compileEndedSessions([
      ...this.#listedEnded,
      ...this.#localEnded,
      ...this.#fence.ended,
    ]);
    if (this.#fence.entries.size === 0) {
      this.#view = { ...fromKv, signedOut, endedSessions, fenceUnavailable };
      return;
    }
    // The fence's entry for a name is the operator's latest word on it (a lifted revocation included).
    const entries = new Map(fromKv.entries);
    for (const [key, entry] of this.#fence.entries) entries.set(key, entry);
    this.#view = { ...fromKv, size: entries.size, entries, signedOut, endedSessions, fenceUnavailable };
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
