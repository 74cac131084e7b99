/**
 * Sessions the provider ended (Back-Channel and Front-Channel Logout): a `sid` — or, when the provider
 * named only the subject, a `sub` — whose ID tokens issued before the logout are refused from then
 * on, as bearer tokens and as sessions, even those no session of this site held. One KV key per
 * logout, `ended:<issuer>#<SHA-256 of type and value>`, whose metadata carries the entry, so the
 * revocation refresh lists them all without a read per key.
 *
 * They are kept apart from the operator's revocation document on purpose: that document is one value
 * that `npm run revoke` reads, changes and writes back, and a worker doing the same from many
 * locations over eventually consistent KV could overwrite an operator's entry.
 */
import { DEFAULTS } from "../config/defaults.ts";
import { digestBase64Url } from "../crypto/secret-keys.ts";
import { withDeadline } from "../deadline.ts";
import { listKvPrefix } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import type { RevocationEntry } from "./revocation-document.ts";

/** What ended: a provider session, or every session of a subject. */
export type EndedKind = "sid" | "sub";

const MAX_VALUE_LENGTH = 255;

/** The KV prefix of an issuer's ended sessions (an issuer never holds `#`: no fragment allowed). */
export function endedSessionsPrefix(issuer: string): string {
  return `ended:${issuer}#`;
}

/**
 * The entry for a logout: tokens of that `sid`/`sub` issued before `issuedBefore` (seconds) are
 * refused until `expiresAt`, by when every such token and session has expired anyway.
 */
export function endedSessionEntry(
  type: EndedKind,
  value: string,
  issuedBefore: number,
  nowSeconds: number,
  expiresAt: number,
): RevocationEntry {
  return { type, value, createdAt: nowSeconds, expiresAt, issuedBefore, reason: "logout from the provider" };
}

/** Records the entry in KV until it expires (at least KV's minimum TTL). */
export async function recordEndedSessions(
  rt: Runtime,
  issuer: string,
  entry: RevocationEntry,
  kvTimeoutMs: number,
): Promise<Result<true, string>> {
  const key = `${endedSessionsPrefix(issuer)}${await digestBase64Url(`${entry.type}\u0000${entry.value}`)}`;
  const written = await withDeadline(
    () =>
      rt.kv.put(key, "", {
        expirationTtl: Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(entry.expiresAt - rt.now() / 1000)),
        metadata: {
          type: entry.type,
          value: entry.value,
          issuedBefore: entry.issuedBefore,
          until: entry.expiresAt,
        },
      }),
    kvTimeoutMs,
  );
  return "problem" in written ? fail(written.problem) : ok(true);
}

/**
 * Every ended session of the issuer that KV lists, read page by page up to `maxPages` (then cut short
 * and said so). Keys whose metadata is not a well-formed entry are ignored.
 */
export async function listEndedSessions(
  rt: Runtime,
  issuer: string,
  kvTimeoutMs: number,
  maxPages: number,
): Promise<Result<{ entries: RevocationEntry[]; truncated: boolean }, string>> {
  const entries: RevocationEntry[] = [];
  const nowSeconds = Math.floor(rt.now() / 1000);
  const listed = await listKvPrefix(rt.kv, endedSessionsPrefix(issuer), kvTimeoutMs, maxPages, (key) => {
    const entry = entryOf(key.metadata, nowSeconds);
    if (entry) entries.push(entry);
  });
  return listed.ok ? ok({ entries, truncated: !listed.value.complete }) : listed;
}

function entryOf(metadata: unknown, nowSeconds: number): RevocationEntry | undefined {
  if (metadata === null || typeof metadata !== "object") return undefined;
  const { type, value, issuedBefore, until } = metadata as Record<string, unknown>;
  if (type !== "sid" && type !== "sub") return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_VALUE_LENGTH) return undefined;
  if (!isSeconds(issuedBefore) || !isSeconds(until)) return undefined;
  return endedSessionEntry(type, value, issuedBefore, nowSeconds, until);
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
