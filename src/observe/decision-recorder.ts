import type { ObserveSettings } from "../config/config.ts";
import type { Runtime } from "../platform.ts";
import type { Decision } from "./decision.ts";
import { recordDecision } from "./decision-log.ts";
import type { KeyProbe } from "./key-probe.ts";
import { requestIdOf } from "./request-id.ts";
import { withServerTiming } from "./server-timing.ts";

/** What the request path says about its decision; the recorder adds ids, timings and the key probe. */
export type DecisionFields = Omit<
  Decision,
  | "requestId"
  | "route"
  | "status"
  | "colo"
  | "durationMs"
  | "authMs"
  | "keyLookupMs"
  | "verifyMs"
  | "keyAgeSeconds"
>;

export interface DecisionRecorder {
  /** Filled by `probeKeyLookup` while the token is verified. */
  readonly probe: KeyProbe;
  /** Runs the verification and keeps its duration (the key lookup inside it is reported apart). */
  timeVerification<T>(work: () => Promise<T>): Promise<T>;
  /** Marks the moment edge-auth has decided: what follows (the origin) is not edge-auth's latency. */
  decided(): void;
  /** Records the decision (log line and data point) and adds Server-Timing when configured. */
  finish(response: Response, fields: DecisionFields): Response;
}

/** Starts timing a request's decision. One recorder per request. */
export function beginDecision(
  request: Request,
  rt: Runtime,
  settings: ObserveSettings,
  route: string,
): DecisionRecorder {
  return new RequestDecision(request, rt, settings, route);
}

/**
 * The recorder of one request: a class rather than closures, so a request allocates one object for
 * it, and `finish` writes the decision as one object literal of a fixed layout.
 */
class RequestDecision implements DecisionRecorder {
  readonly probe: KeyProbe = {};
  readonly #rt: Runtime;
  readonly #settings: ObserveSettings;
  readonly #route: string;
  readonly #startedAt: number;
  readonly #requestId: string;
  readonly #colo: string | undefined;
  #verificationMs: number | undefined;
  #decidedAt: number | undefined;

  constructor(request: Request, rt: Runtime, settings: ObserveSettings, route: string) {
    this.#rt = rt;
    this.#settings = settings;
    this.#route = route;
    this.#startedAt = rt.now();
    this.#requestId = requestIdOf(request);
    const colo = (request.cf as { colo?: unknown } | undefined)?.colo;
    this.#colo = typeof colo === "string" ? colo : undefined;
  }

  async timeVerification<T>(work: () => Promise<T>): Promise<T> {
    const before = this.#rt.now();
    try {
      return await work();
    } finally {
      this.#verificationMs = this.#rt.now() - before;
    }
  }

  decided(): void {
    this.#decidedAt ??= this.#rt.now();
  }

  finish(response: Response, fields: DecisionFields): Response {
    const now = this.#rt.now();
    const { probe } = this;
    const authMs = (this.#decidedAt ?? now) - this.#startedAt;
    const keyLookupMs = probe.keyLookupMs;
    const verifyMs =
      this.#verificationMs === undefined ? undefined : Math.max(0, this.#verificationMs - (keyLookupMs ?? 0));
    recordDecision(this.#rt, this.#settings, {
      requestId: this.#requestId,
      route: this.#route,
      colo: this.#colo,
      outcome: fields.outcome,
      status: response.status,
      reason: fields.reason,
      detail: fields.detail,
      credential: fields.credential,
      issuer: fields.issuer,
      issuerName: fields.issuerName,
      tokenType: fields.tokenType,
      kid: fields.kid,
      tier: fields.tier ?? probe.tier,
      keyAgeSeconds: probe.keyAgeSeconds,
      sub: fields.sub,
      email: fields.email,
      keyLookupMs,
      verifyMs,
      authMs,
      durationMs: now - this.#startedAt,
    });
    if (!this.#settings.serverTiming) return response;
    return withServerTiming(response, { keyLookupMs, verifyMs, authMs });
  }
}
