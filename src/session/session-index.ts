/**
 * Sessions findable by the provider's `sid` and by `sub`, for logout requests from the provider
 * (Back-Channel Logout 1.0 §2.7, Front-Channel Logout 1.0 §3). Written at sign-in and at each
 * refresh only — never on the request path — as one empty KV key per session and index:
 *
 *   session-by-sid:<issuer>#<SHA-256 of sid>#<session key hash>
 *   session-by-sub:<issuer>#<SHA-256 of sub>#<session key hash>
 *
 * expiring with the session's absolute lifetime. Listing a prefix finds every session of a `sid` or
 * `sub` without reading them. The values are hashed so the keys stay short and carry no identifier.
 */
import { DEFAULTS } from "../config/defaults.ts";
import { digestBase64Url } from "../crypto/secret-keys.ts";
import { withDeadline } from "../deadline.ts";
import { listKvPrefix } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import type { SessionHandle } from "./session-id.ts";
import type { SessionRecord } from "./session-record.ts";

const SESSION_KEY_PREFIX = "session:";
const SESSION_HASH = /^[A-Za-z0-9_-]{43}$/;

/** What a logout request names: a session of the provider (`sid`) or a subject (`sub`). */
export type SessionIndexKind = "sid" | "sub";

/** The KV prefix under which an issuer's sessions of one `sid` or `sub` are listed. */
export async function sessionIndexPrefix(
  issuer: string,
  kind: SessionIndexKind,
  value: string,
): Promise<string> {
  return `session-by-${kind}:${issuer}#${await digestBase64Url(value)}#`;
}

/**
 * Indexes a session under its `sid` (when the ID token has one) and its `sub`, until its absolute
 * end. A failed write is returned for the caller to log: the session works, but a logout request
 * from the provider finds it only through its revocation entry (docs/login.md).
 */
export async function indexSession(
  rt: Runtime,
  handle: SessionHandle,
  record: SessionRecord,
  kvTimeoutMs: number,
): Promise<Result<true, string>> {
  const { iss, sub, sid } = record.claims;
  if (typeof iss !== "string" || typeof sub !== "string") return fail("the session has no iss or sub");
  const sessionHash = handle.kvKey.slice(SESSION_KEY_PREFIX.length);
  const nowSeconds = rt.now() / 1000;
  const expirationTtl = Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(record.absoluteExpiresAt - nowSeconds));
  const entries: [SessionIndexKind, string][] = [["sub", sub]];
  if (typeof sid === "string" && sid !== "") entries.push(["sid", sid]);
  const written = await Promise.all(
    entries.map(async ([kind, value]) => {
      const key = `${await sessionIndexPrefix(iss, kind, value)}${sessionHash}`;
      return withDeadline(() => rt.kv.put(key, "", { expirationTtl }), kvTimeoutMs);
    }),
  );
  const problem = written.find((outcome) => "problem" in outcome);
  return problem && "problem" in problem ? fail(problem.problem) : ok(true);
}

/** A session the index names, with the index key that named it (deleted once the session is ended). */
export interface IndexedSession {
  readonly handle: SessionHandle;
  readonly indexKey: string;
}

/**
 * Every session indexed under an issuer's `sid` or `sub`, read page by page up to `maxPages`. The
 * sessions may be gone already (signed out, expired): the caller reads each one.
 */
export async function findIndexedSessions(
  rt: Runtime,
  issuer: string,
  kind: SessionIndexKind,
  value: string,
  kvTimeoutMs: number,
  maxPages: number,
): Promise<Result<IndexedSession[], string>> {
  const prefix = await sessionIndexPrefix(issuer, kind, value);
  const found: IndexedSession[] = [];
  const listed = await listKvPrefix(rt.kv, prefix, kvTimeoutMs, maxPages, (key) => {
    const sessionHash = key.name.slice(prefix.length);
    if (SESSION_HASH.test(sessionHash))
      found.push({ handle: { kvKey: `${SESSION_KEY_PREFIX}${sessionHash}` }, indexKey: key.name });
  });
  if (!listed.ok) return listed;
  return listed.value.complete ? ok(found) : fail(`more than ${maxPages} pages of sessions`);
}
