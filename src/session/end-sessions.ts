import { withDeadline } from "../deadline.ts";
import { endedSessionEvent } from "../fence/fence-events.ts";
import { recordInFence } from "../fence/record-session-end.ts";
import type { IsolateState } from "../isolate-state.ts";
import { refuseFromNowOn } from "../oidc/logout.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { endedSessionEntry, recordEndedSessions } from "../revocation/ended-sessions.ts";
import type { SessionHandle } from "./session-id.ts";
import { findIndexedSessions } from "./session-index.ts";
import type { SessionRecord } from "./session-record.ts";

/** Index pages read per logout: 1,000 sessions a page. */
const MAX_INDEX_PAGES = 10;

/** What the provider ended: one of its sessions (`sid`), or every session of a subject (`sub`). */
export interface SessionEnd {
  readonly sid?: string;
  /** With `sid`: only that session, and only if it is this subject's. Alone: all of the subject's. */
  readonly sub?: string;
  /** Tokens of that sid (or sub) issued before this (seconds) are refused from now on. */
  readonly issuedBefore: number;
  /** A session known without the index (the browser's own, at front-channel logout). */
  readonly alsoHandle?: SessionHandle;
}

/**
 * Ends every session of a `sid`, or of a `sub` when no `sid` is named (Back-Channel Logout 1.0 §2.7):
 *  - an entry that refuses tokens and sessions of that sid/sub issued before `issuedBefore`, in this
 *    isolate at once, in the revocation fence for every other within its interval, and in KV as the
 *    fallback (it also covers sessions the index misses);
 *  - each indexed session's KV record deleted (this isolate refuses its cookie at once) and its ID
 *    token refused as a bearer token, as at sign-out.
 * Every step is tried; the result is a failure when one of them could not be done (the caller answers
 * so, and the provider may send the logout again).
 */
export async function endSessions(
  rt: Runtime,
  state: IsolateState,
  end: SessionEnd,
): Promise<Result<{ ended: number }, string>> {
  const { config } = state;
  const [kind, value] = end.sid === undefined ? (["sub", end.sub] as const) : (["sid", end.sid] as const);
  if (value === undefined) return fail("neither sid nor sub");
  const nowSeconds = Math.floor(rt.now() / 1000);
  const lifetime = Math.max(config.maxTokenLifetimeSeconds, config.session.absoluteTtlSeconds);
  const entry = endedSessionEntry(
    kind,
    value,
    end.issuedBefore,
    nowSeconds,
    nowSeconds + lifetime + config.clockLeewaySeconds,
  );
  state.revocations.noteSessionsEnded(entry, nowSeconds);

  // The revocation fence carries it to every isolate within its interval (a failure is logged; KV's
  // entry is the fallback, so only KV's failure makes the logout fail).
  const [recorded, indexed] = await Promise.all([
    recordEndedSessions(rt, config.issuer, entry, config.kvTimeoutMs),
    findIndexedSessions(rt, config.issuer, kind, value, config.kvTimeoutMs, MAX_INDEX_PAGES),
    recordInFence(rt, state, [endedSessionEvent(entry)]),
  ]);
  const problems: string[] = [];
  if (!recorded.ok) problems.push(`entry not written: ${recorded.failure}`);
  if (!indexed.ok) problems.push(`sessions not listed: ${indexed.failure}`);
  const sessions: { readonly handle: SessionHandle; readonly indexKey?: string }[] = indexed.ok
    ? [...indexed.value]
    : [];
  if (end.alsoHandle && !sessions.some((s) => s.handle.kvKey === end.alsoHandle?.kvKey))
    sessions.push({ handle: end.alsoHandle });

  const outcomes = await Promise.all(sessions.map((session) => endOne(rt, state, session, end)));
  for (const outcome of outcomes) if (!outcome.ok) problems.push(outcome.failure);
  if (problems.length > 0) return fail(problems.join("; "));
  return ok({ ended: outcomes.filter((outcome) => outcome.ok && outcome.value).length });
}

/** Ends one session if it is the one named; true when it was live and has ended. */
async function endOne(
  rt: Runtime,
  state: IsolateState,
  session: { readonly handle: SessionHandle; readonly indexKey?: string },
  end: SessionEnd,
): Promise<Result<boolean, string>> {
  const { sessions, config } = state;
  const loaded = await sessions.load(rt, session.handle, { fresh: true });
  if (!loaded.ok) return fail(`session not read: ${loaded.failure.detail ?? loaded.failure.reason}`);
  const record = loaded.value;
  let ended = false;
  if (record && isNamed(record, config.issuer, end)) {
    await sessions.remove(rt, session.handle);
    await refuseFromNowOn(record.idToken, rt, state);
    ended = true;
  }
  if (session.indexKey !== undefined && (ended || !record)) {
    const indexKey = session.indexKey;
    await withDeadline(() => rt.kv.delete(indexKey), config.kvTimeoutMs);
  }
  return ok(ended);
}

function isNamed(record: SessionRecord, issuer: string, end: SessionEnd): boolean {
  const { iss, sid, sub } = record.claims;
  if (iss !== issuer) return false;
  if (end.sid !== undefined) return sid === end.sid && (end.sub === undefined || sub === end.sub);
  return sub === end.sub;
}
