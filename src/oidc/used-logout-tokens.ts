/**
 * Logout tokens seen before, by `jti` (Back-Channel Logout 1.0 §2.6 step 10). Each is kept, by its
 * SHA-256, in this isolate's memory and in KV (`logout-jti:<issuer>#<hash>`) for as long as the token
 * could be accepted at all. KV is eventually consistent, so a token replayed at another location
 * within KV's propagation window may pass once more there; that is acceptable because replaying a
 * logout token can only end sessions that already ended.
 */
import { DEFAULTS } from "../config/defaults.ts";
import { digestBase64Url } from "../crypto/secret-keys.ts";
import { withDeadline } from "../deadline.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";

const MAX_MEMORY_ENTRIES = 5000;

export class UsedLogoutTokens {
  /** Key → until (seconds). */
  readonly #memory = new Map<string, number>();

  constructor(private readonly kvTimeoutMs: number) {}

  /** Whether this `jti` was used before (in this isolate, or written to KV where this location sees it). */
  async wasUsed(rt: Runtime, issuer: string, jti: string): Promise<Result<boolean, string>> {
    const key = await usedKey(issuer, jti);
    const until = this.#memory.get(key);
    if (until !== undefined && until > rt.now() / 1000) return ok(true);
    const read = await readKvText(rt.kv, key, this.kvTimeoutMs);
    if ("problem" in read) return fail(read.problem);
    return ok(read.text !== null);
  }

  /** Remembers a `jti` as used until `untilSeconds`. A failed KV write is returned for the caller to log. */
  async markUsed(
    rt: Runtime,
    issuer: string,
    jti: string,
    untilSeconds: number,
  ): Promise<Result<true, string>> {
    const key = await usedKey(issuer, jti);
    const nowSeconds = rt.now() / 1000;
    for (const [known, until] of this.#memory)
      if (until <= nowSeconds || this.#memory.size >= MAX_MEMORY_ENTRIES) this.#memory.delete(known);
    this.#memory.set(key, untilSeconds);
    const expirationTtl = Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(untilSeconds - nowSeconds));
    const written = await withDeadline(() => rt.kv.put(key, "1", { expirationTtl }), this.kvTimeoutMs);
    return "problem" in written ? fail(written.problem) : ok(true);
  }
}

async function usedKey(issuer: string, jti: string): Promise<string> {
  return `logout-jti:${issuer}#${await digestBase64Url(jti)}`;
}
