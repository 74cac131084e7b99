import type { ObserveSettings } from "../config/config.ts";
import type { Runtime } from "../platform.ts";
import type { Decision } from "./decision.ts";
import { maskEmail, redactLogValue } from "./redact.ts";

/**
 * The JSON object logged for a decision: `event: "decision"` and every field present, in one fixed
 * order. Fields that hold edge-auth's own codes (outcome, reason, credential, tier, tokenType) and
 * numbers are written as they are; every other string is redacted, and the email is masked unless
 * LOG_EMAILS is on. Built field by field, so every line has the same layout in the engine.
 */
export function decisionLine(
  decision: Decision,
  settings: Pick<ObserveSettings, "logEmails">,
): Record<string, unknown> {
  const keepEmails = settings.logEmails;
  const text = (value: string) => redactLogValue(value, keepEmails);
  const line: Record<string, unknown> = {
    event: "decision",
    requestId: text(decision.requestId),
    route: text(decision.route),
  };
  const { colo, reason, detail, credential, issuer, issuerName, tokenType, kid, tier } = decision;
  if (colo !== undefined) line.colo = text(colo);
  line.outcome = decision.outcome;
  line.status = decision.status;
  if (reason !== undefined) line.reason = reason;
  if (detail !== undefined) line.detail = text(detail);
  if (credential !== undefined) line.credential = credential;
  if (issuer !== undefined) line.issuer = text(issuer);
  if (issuerName !== undefined) line.issuerName = text(issuerName);
  if (tokenType !== undefined) line.tokenType = tokenType;
  if (kid !== undefined) line.kid = text(kid);
  if (tier !== undefined) line.tier = tier;
  if (decision.keyAgeSeconds !== undefined) line.keyAgeSeconds = decision.keyAgeSeconds;
  if (decision.sub !== undefined) line.sub = text(decision.sub);
  if (decision.email !== undefined)
    line.email = keepEmails ? text(decision.email) : maskEmail(decision.email);
  if (decision.keyLookupMs !== undefined) line.keyLookupMs = decision.keyLookupMs;
  if (decision.verifyMs !== undefined) line.verifyMs = decision.verifyMs;
  if (decision.authMs !== undefined) line.authMs = decision.authMs;
  line.durationMs = decision.durationMs;
  return line;
}

/**
 * Records one decision: a data point in `AUTH_METRICS` (every decision, unsampled here) and a JSON
 * log line. Refusals and errors are always logged; allowed requests (`forwarded`, `public`) are
 * logged with probability `LOG_SAMPLE_RATE`, and their lines carry `sampleRate` so counts can be
 * scaled. Never throws.
 */
export function recordDecision(rt: Runtime, settings: ObserveSettings, decision: Decision): void {
  rt.metrics?.decision(decision);
  const allowed = decision.outcome === "forwarded" || decision.outcome === "public";
  const rate = allowed ? settings.logSampleRate : 1;
  if (rate < 1 && !drawn(rt, rate)) return;
  const line = decisionLine(decision, settings);
  if (rate < 1) line.sampleRate = rate;
  // Named as in OpenTelemetry's log data model, so a log store can join the line to the trace.
  if (rt.trace) {
    line.trace_id = rt.trace.traceId;
    line.span_id = rt.trace.spanId;
  }
  rt.log(line);
}

function drawn(rt: Runtime, rate: number): boolean {
  if (rate <= 0) return false;
  const [a = 0, b = 0, c = 0] = rt.randomBytes(3);
  return (a * 65536 + b * 256 + c) / 16777216 < rate;
}
