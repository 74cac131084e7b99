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
  const startedAt = rt.now();
  const requestId = requestIdOf(request);
  const colo = (request.cf as { colo?: unknown } | undefined)?.colo;
  const probe: KeyProbe = {};
  let verificationMs: number | undefined;
  let decidedAt: number | undefined;
  return {
    probe,
    async timeVerification(work) {
      const before = rt.now();
      try {
        return await work();
      } finally {
        verificationMs = rt.now() - before;
      }
    },
    decided() {
      decidedAt ??= rt.now();
    },
    finish(response, fields) {
      const now = rt.now();
      const authMs = (decidedAt ?? now) - startedAt;
      const verifyMs =
        verificationMs === undefined ? undefined : Math.max(0, verificationMs - (probe.keyLookupMs ?? 0));
      recordDecision(rt, settings, {
        requestId,
        route,
        ...(typeof colo === "string" ? { colo } : {}),
        ...fields,
        status: response.status,
        ...(fields.tier === undefined && probe.tier !== undefined ? { tier: probe.tier } : {}),
        ...(probe.keyAgeSeconds === undefined ? {} : { keyAgeSeconds: probe.keyAgeSeconds }),
        ...(probe.keyLookupMs === undefined ? {} : { keyLookupMs: probe.keyLookupMs }),
        ...(verifyMs === undefined ? {} : { verifyMs }),
        authMs,
        durationMs: now - startedAt,
      });
      if (!settings.serverTiming) return response;
      return withServerTiming(response, {
        ...(probe.keyLookupMs === undefined ? {} : { keyLookupMs: probe.keyLookupMs }),
        ...(verifyMs === undefined ? {} : { verifyMs }),
        authMs,
      });
    },
  };
}
