import { DEFAULTS } from "../config/defaults.ts";
import { digestBase64Url } from "../crypto/secret-keys.ts";
import { withDeadline } from "../deadline.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";

const KV_PREFIX = "login-used:";
const MAX_MEMORY_ENTRIES = 5000;

/**
 * Makes each sign-in attempt single-use: a state is claimed before its code is exchanged, in isolate
 * memory (synchronously, so two racing callbacks here cannot both pass) and in KV (so a replay at
 * another isolate of this location is refused too; other locations see it after KV's propagation).
 */
export class UsedStates {
  readonly #memory = new Map<string, number>();

  constructor(private readonly kvTimeoutMs: number) {}

  /** True if this call claimed the state; false if it had been claimed already. */
  async claim(rt: Runtime, state: string, expiresAtSeconds: number): Promise<boolean> {
    const nowMs = rt.now();
    this.#forgetExpired(nowMs);
    const digest = await digestBase64Url(state);
    if (this.#memory.has(digest)) return false;
    this.#memory.set(digest, expiresAtSeconds * 1000);
    if (this.#memory.size > MAX_MEMORY_ENTRIES) {
      const oldest = this.#memory.keys().next().value;
      if (oldest !== undefined) this.#memory.delete(oldest);
    }
    const key = `${KV_PREFIX}${digest}`;
    // KV trouble (an error, no answer in time) must not block sign-in: memory still makes the state
    // single-use in this isolate, and the provider accepts each code only once.
    const read = await readKvText(rt.kv, key, this.kvTimeoutMs);
    if ("problem" in read) {
      rt.log({ event: "login_state_store_failed", operation: "get", problem: read.problem });
      return true;
    }
    if (read.text !== null) return false;
    const expirationTtl = Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(expiresAtSeconds - nowMs / 1000));
    const written = await withDeadline(() => rt.kv.put(key, "1", { expirationTtl }), this.kvTimeoutMs);
    if ("problem" in written)
      rt.log({ event: "login_state_store_failed", operation: "put", problem: written.problem });
    return true;
  }

  #forgetExpired(nowMs: number): void {
    for (const [digest, expiresAtMs] of this.#memory) if (expiresAtMs <= nowMs) this.#memory.delete(digest);
  }
}
