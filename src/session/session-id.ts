import { digestBase64Url, type SecretKeys } from "../crypto/secret-keys.ts";
import { encodeBase64Url } from "../jwt/base64url.ts";
import type { Platform } from "../platform.ts";

const SESSION_ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const KV_PREFIX = "session:";

/** A session as the request path knows it: never the raw id in a log line or a KV key. */
export interface SessionHandle {
  /** The KV key: a SHA-256 of the id, so whoever can list KV cannot replay a cookie from it. */
  readonly kvKey: string;
}

/**
 * A new session: an opaque 256-bit random id, and the cookie value that carries it — the id and its
 * HMAC under SESSION_SECRET, so a forged or altered cookie is refused before any KV read.
 */
export async function newSession(
  platform: Platform,
  secrets: SecretKeys,
): Promise<{ cookieValue: string; handle: SessionHandle }> {
  const id = encodeBase64Url(platform.randomBytes(SESSION_ID_BYTES));
  const tag = await secrets.mac("session-cookie", id);
  return { cookieValue: `${id}.${tag}`, handle: { kvKey: await kvKeyOf(id) } };
}

/**
 * Cookie values whose HMAC verified to their handle, for one SESSION_SECRET (one per IsolateState): a
 * browser sends the same cookie with every request, and this spares it an HMAC check and a SHA-256 each
 * time. Keyed by the exact value, and only values that passed the HMAC are kept, so nobody can fill it
 * with values of their choosing. It says nothing about the session itself: that is read (and may be
 * gone) on every request.
 */
export type VerifiedCookies = Map<string, SessionHandle>;
const MAX_VERIFIED_COOKIES = 1000;

/**
 * The session a cookie value names, if the value is well formed and its HMAC is ours. `verified` holds
 * the values verified before under the same `secrets`.
 */
export async function readSessionCookie(
  cookieValue: string,
  secrets: SecretKeys,
  verified: VerifiedCookies,
): Promise<SessionHandle | undefined> {
  const known = verified.get(cookieValue);
  if (known) {
    verified.delete(cookieValue); // now the most recently used
    verified.set(cookieValue, known);
    return known;
  }
  const dot = cookieValue.indexOf(".");
  if (dot === -1) return undefined;
  const id = cookieValue.slice(0, dot);
  const tag = cookieValue.slice(dot + 1);
  if (!ID_PATTERN.test(id) || !ID_PATTERN.test(tag)) return undefined;
  if (!(await secrets.verifyMac("session-cookie", id, tag))) return undefined;
  const handle = { kvKey: await kvKeyOf(id) };
  verified.set(cookieValue, handle);
  if (verified.size > MAX_VERIFIED_COOKIES) {
    const oldest = verified.keys().next().value;
    if (oldest !== undefined) verified.delete(oldest);
  }
  return handle;
}

async function kvKeyOf(id: string): Promise<string> {
  return `${KV_PREFIX}${await digestBase64Url(id)}`;
}
