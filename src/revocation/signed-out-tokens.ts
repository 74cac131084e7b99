/**
 * ID tokens of sessions that signed out. Sign-out may hand the session's ID token to the provider in
 * the browser's address bar (`id_token_hint`), so it lands in browser history and provider logs; and
 * the gate accepts ID tokens as bearer credentials. Each signed-out token is therefore recorded by its
 * SHA-256 (never the token itself) in KV under `signed-out:<issuer>#<hash>`, expiring with the token,
 * and every isolate refuses it once its revocation cache has read the list (in the isolate that
 * signed out: at once).
 */
import { DEFAULTS } from "../config/defaults.ts";
import { withDeadline } from "../deadline.ts";
import { decodeBase64UrlStrict, encodeBase64Url } from "../jwt/base64url.ts";
import { parseStrictJsonObject } from "../jwt/strict-json.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";

/** SHA-256 of a token's text, base64url: 43 characters. */
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

/** The token's fingerprint: SHA-256 of its exact text, base64url. Safe to store and log. */
export async function tokenFingerprint(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return encodeBase64Url(new Uint8Array(digest));
}

/** The KV prefix of an issuer's signed-out tokens (an issuer never holds `#`: no fragment allowed). */
export function signedOutPrefix(issuer: string): string {
  return `signed-out:${issuer}#`;
}

/**
 * The `exp` of a token edge-auth verified before (the session's own ID token), read without
 * verifying it again; undefined when it cannot be read.
 */
export function storedTokenExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  const bytes = payload === undefined ? undefined : decodeBase64UrlStrict(payload);
  const claims = bytes === undefined ? undefined : parseStrictJsonObject(bytes);
  const exp = claims?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp : undefined;
}

/**
 * Records in KV that a token is signed out until `untilSeconds` (its `exp` plus the clock leeway the
 * verifier grants), at least KV's minimum TTL. A failed write is returned, not thrown: the caller
 * still signs the user out.
 */
export async function recordSignedOut(
  rt: Runtime,
  issuer: string,
  fingerprint: string,
  untilSeconds: number,
  kvTimeoutMs: number,
): Promise<Result<true, string>> {
  const ttl = Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(untilSeconds - rt.now() / 1000));
  const written = await withDeadline(
    () =>
      rt.kv.put(`${signedOutPrefix(issuer)}${fingerprint}`, "", {
        expirationTtl: ttl,
        // Listed with the key, so no read per token; KV's own expiration only bounds its storage.
        metadata: { until: untilSeconds },
      }),
    kvTimeoutMs,
  );
  return "problem" in written ? fail(written.problem) : ok(true);
}

/**
 * Every signed-out token of the issuer that KV lists, with when its entry expires (seconds), read
 * page by page up to `maxPages` (then the list is cut short and says so). Keys that are not a
 * fingerprint under this exact prefix are ignored.
 */
export async function listSignedOut(
  rt: Runtime,
  issuer: string,
  kvTimeoutMs: number,
  maxPages: number,
): Promise<Result<{ tokens: Map<string, number>; truncated: boolean }, string>> {
  const prefix = signedOutPrefix(issuer);
  const tokens = new Map<string, number>();
  const fallbackExpiry = Math.floor(rt.now() / 1000) + DEFAULTS.maxTokenLifetimeSeconds;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const listed = await withDeadline(
      () => rt.kv.list(cursor === undefined ? { prefix } : { prefix, cursor }),
      kvTimeoutMs,
    );
    if ("problem" in listed) return fail(listed.problem);
    const result = listed.value;
    for (const key of result.keys) {
      const fingerprint = key.name.slice(prefix.length);
      if (!FINGERPRINT.test(fingerprint)) continue;
      const until = (key.metadata as { until?: unknown } | null | undefined)?.until;
      tokens.set(
        fingerprint,
        typeof until === "number" && Number.isFinite(until) ? until : (key.expiration ?? fallbackExpiry),
      );
    }
    if (result.list_complete) return ok({ tokens, truncated: false });
    cursor = result.cursor;
  }
  return ok({ tokens, truncated: true });
}
