import { withDeadline } from "../deadline.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { endedSessionEntry, recordEndedSessions } from "../revocation/ended-sessions.ts";
import { recordSignedOut } from "../revocation/signed-out-tokens.ts";
import { endedSessionEvent, type FenceEvent } from "./fence-events.ts";

/** A signed-out ID token, by its SHA-256 fingerprint, refused until `untilSeconds`. */
export interface EndedToken {
  readonly fingerprint: string;
  readonly untilSeconds: number;
}

/**
 * Sessions that ended: by session id (`sid`: every session of it), by subject (`sub`: all of the
 * subject's sessions and tokens issued until now) and/or by the ID tokens they held.
 */
export interface SessionEnd {
  readonly sid?: string;
  readonly sub?: string;
  readonly tokens?: readonly EndedToken[];
}

/** Where a session end was recorded: the fence (every isolate within its interval) and/or KV. */
export interface SessionEndRecorded {
  readonly fence: boolean;
  readonly kv: boolean;
}

/**
 * Records that sessions ended, so that every isolate refuses them: this isolate at once, every other
 * within REVOCATION_FENCE_INTERVAL_MS through the revocation fence, and through KV (signed-out tokens,
 * ended-sessions.ts) within its propagation when the fence is not bound or cannot be reached. A `sid` or `sub` refuses
 * the tokens and sessions issued up to this second, for as long as any of them can live. Failures are
 * logged and returned, never thrown: the caller ends the session regardless.
 */
export async function recordSessionEnd(
  rt: Runtime,
  state: IsolateState,
  end: SessionEnd,
): Promise<SessionEndRecorded> {
  const { config } = state;
  const nowSeconds = rt.now() / 1000;
  const tokens = (end.tokens ?? []).filter((token) => token.untilSeconds > nowSeconds);
  for (const token of tokens)
    state.revocations.noteSignedOut(token.fingerprint, token.untilSeconds, nowSeconds);

  const createdAt = Math.floor(nowSeconds);
  // Tokens with this sid or sub issued up to now are refused while any can be alive (a token or a session).
  const lifetime = Math.max(config.maxTokenLifetimeSeconds, config.session.absoluteTtlSeconds);
  const expiresAt = createdAt + lifetime + config.clockLeewaySeconds;
  const byName = [
    ...(end.sid === undefined
      ? []
      : [endedSessionEntry("sid", end.sid, createdAt + 1, createdAt, expiresAt)]),
    ...(end.sub === undefined
      ? []
      : [endedSessionEntry("sub", end.sub, createdAt + 1, createdAt, expiresAt)]),
  ];
  for (const entry of byName) state.revocations.noteSessionsEnded(entry, nowSeconds);
  const events: FenceEvent[] = [
    ...byName.map(endedSessionEvent),
    ...tokens.map((token) => ({
      kind: "token" as const,
      value: token.fingerprint,
      createdAt,
      expiresAt: Math.ceil(token.untilSeconds),
    })),
  ];
  if (events.length === 0) return { fence: true, kv: true };
  const [fence, kv] = await Promise.all([
    recordInFence(rt, state, events),
    Promise.all([
      ...tokens.map((token) =>
        recordSignedOut(rt, config.issuer, token.fingerprint, token.untilSeconds, config.kvTimeoutMs),
      ),
      ...byName.map((entry) => recordEndedSessions(rt, config.issuer, entry, config.kvTimeoutMs)),
    ]),
  ]);
  const kvFailure = kv.find((written) => !written.ok);
  if (kvFailure && !kvFailure.ok) rt.log({ event: "signed_out_record_failed", problem: kvFailure.failure });
  return { fence, kv: kvFailure === undefined };
}

/**
 * Writes events to the revocation fence within the fence timeout (a write waits at most
 * KV's deadline: it matters more than a read). False, logged, when the fence is absent or failed.
 */
export async function recordInFence(
  rt: Runtime,
  state: IsolateState,
  events: readonly FenceEvent[],
): Promise<boolean> {
  const fence = rt.fence;
  if (!fence) return false;
  const nowSeconds = Math.floor(rt.now() / 1000);
  const written = await withDeadline(() => fence.record(events, nowSeconds), state.config.kvTimeoutMs);
  const problem =
    "problem" in written ? written.problem : written.value.ok ? undefined : written.value.problem;
  if (problem === undefined) return true;
  rt.log({ event: "fence_record_failed", issuer: state.config.issuer, events: events.length, problem });
  return false;
}
