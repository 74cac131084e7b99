import type { ObserveSettings } from "../config/config.ts";
import type { Runtime } from "../platform.ts";
import type { Decision } from "./decision.ts";
import { maskEmail, redactLogValue } from "./redact.ts";

/** Fields whose values are edge-auth's own codes, never text from a request or a token. */
const CODE_FIELDS: ReadonlySet<string> = new Set(["outcome", "reason", "credential", "tier", "tokenType"]);

/** The JSON object logged for a decision: `event: "decision"` and every field present, redacted. */
export function decisionLine(
  decision: Decision,
  settings: Pick<ObserveSettings, "logEmails">,
): Record<string, unknown> {
  const line: Record<string, unknown> = { event: "decision" };
  for (const name in decision) {
    const value = decision[name as keyof Decision];
    if (value === undefined) continue;
    if (typeof value !== "string" || CODE_FIELDS.has(name)) line[name] = value;
    else if (name === "email" && !settings.logEmails) line[name] = maskEmail(value);
    else line[name] = redactLogValue(value, settings.logEmails);
  }
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
