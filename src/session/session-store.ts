import type { SessionSettings } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import { withDeadline } from "../deadline.ts";
import { type Failure, unavailable } from "../failure.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import type { SessionHandle } from "./session-id.ts";
import { kvTtlSeconds, parseSessionRecord, type SessionRecord } from "./session-record.ts";

interface MemoryEntry {
  /** Undefined: known to be gone (signed out here), so a lagging KV read cannot bring it back. */
  readonly record: SessionRecord | undefined;
  readonly validUntilMs: number;
}

const MAX_MEMORY_ENTRIES = 5000;

/**
 * Sessions in KV, with a few seconds of isolate memory in front so a page and its 50 assets cost one
 * KV read, not 50. Memory holds values only. A session removed here is remembered as gone for KV's
 * propagation window, so this isolate refuses its cookie at once. Every KV call a request waits for
 * has a deadline (`kvTimeoutMs`): KV that does not answer is a 503, never a hang.
 */
export class SessionStore {
  readonly #memory = new Map<string, MemoryEntry>();
  readonly #refreshingSince = new Map<string, number>();
  /** Sessions whose record a request is reading from KV again, and since when (ms). */
  readonly #rereadingSince = new Map<string, number>();

  constructor(
    private readonly settings: SessionSettings,
    private readonly retryAfterSeconds: number,
    private readonly kvTimeoutMs: number,
  ) {}

  /** The record of a session, or undefined when there is none. `fresh` skips the memory cache. */
  async load(
    rt: Runtime,
    handle: SessionHandle,
    options: { fresh?: boolean } = {},
  ): Promise<Result<SessionRecord | undefined, Failure>> {
    const key = handle.kvKey;
    const cached = this.#memory.get(key);
    const nowMs = rt.now();
    if (cached && (!options.fresh || cached.record === undefined)) {
      if (nowMs < cached.validUntilMs) return ok(cached.record);
      // The memory copy just ran out: one request reads KV again, and the requests that arrive while
      // it does (a page's assets, all at once) go on with the record held, for at most the KV deadline,
      // instead of each sending a read of its own.
      const since = this.#rereadingSince.get(key);
      if (cached.record !== undefined && since !== undefined && nowMs - since < this.kvTimeoutMs)
        return ok(cached.record);
    }
    if (!options.fresh) this.#markRereading(key, nowMs);
    // A KV read that fails or does not answer in time is a 503, never a hang.
    const read = await readKvText(rt.kv, key, this.kvTimeoutMs).finally(() => {
      if (this.#rereadingSince.get(key) === nowMs) this.#rereadingSince.delete(key);
    });
    if ("problem" in read)
      return fail(
        unavailable("session_store_unavailable", this.retryAfterSeconds, `KV read failed: ${read.problem}`),
      );
    const text = read.text;
    const record = text === null ? undefined : parseJsonRecord(text);
    if (record) this.#remember(handle, record, nowMs + this.settings.memoryCacheSeconds * 1000);
    else this.#memory.delete(key);
    return ok(record);
  }

  /** Writes a record to KV (expiring at its deadline) and to memory. */
  async save(rt: Runtime, handle: SessionHandle, record: SessionRecord): Promise<Result<true, Failure>> {
    const expirationTtl = kvTtlSeconds(record, this.settings, rt.now() / 1000);
    const written = await withDeadline(
      () => rt.kv.put(handle.kvKey, JSON.stringify(record), { expirationTtl }),
      this.kvTimeoutMs,
    );
    if ("problem" in written)
      return fail(
        unavailable(
          "session_store_unavailable",
          this.retryAfterSeconds,
          `KV write failed: ${written.problem}`,
        ),
      );
    this.#remember(handle, record, rt.now() + this.settings.memoryCacheSeconds * 1000);
    return ok(true);
  }

  /** Records activity (for the idle timeout) without making the request wait for KV. */
  touch(rt: Runtime, handle: SessionHandle, record: SessionRecord): SessionRecord {
    const touched = { ...record, lastSeenAt: Math.floor(rt.now() / 1000) };
    this.#remember(handle, touched, rt.now() + this.settings.memoryCacheSeconds * 1000);
    const expirationTtl = kvTtlSeconds(touched, this.settings, rt.now() / 1000);
    rt.waitUntil(
      withDeadline(
        () => rt.kv.put(handle.kvKey, JSON.stringify(touched), { expirationTtl }),
        this.kvTimeoutMs,
      ).then((written) => {
        if ("problem" in written) rt.log({ event: "session_touch_failed", problem: written.problem });
      }),
    );
    return touched;
  }

  /** Ends a session: deleted from KV, and remembered as gone in this isolate. */
  async remove(rt: Runtime, handle: SessionHandle): Promise<void> {
    this.#remember(handle, undefined, rt.now() + DEFAULTS.kvPropagationSeconds * 1000);
    this.#refreshingSince.delete(handle.kvKey);
    const deleted = await withDeadline(() => rt.kv.delete(handle.kvKey), this.kvTimeoutMs);
    if ("problem" in deleted) rt.log({ event: "session_delete_failed", problem: deleted.problem });
  }

  /**
   * Claims the right to refresh a session in this isolate. False while another request here holds it
   * (not longer than `timeoutMs`), so a rotating refresh token is never spent twice in parallel.
   */
  beginRefresh(handle: SessionHandle, nowMs: number, timeoutMs: number): boolean {
    const since = this.#refreshingSince.get(handle.kvKey);
    if (since !== undefined && nowMs - since < timeoutMs) return false;
    this.#refreshingSince.set(handle.kvKey, nowMs);
    return true;
  }

  endRefresh(handle: SessionHandle): void {
    this.#refreshingSince.delete(handle.kvKey);
  }

  #markRereading(key: string, nowMs: number): void {
    // Entries of reads whose request was cancelled are never deleted: the map is bounded like memory.
    if (this.#rereadingSince.size >= MAX_MEMORY_ENTRIES) this.#rereadingSince.clear();
    this.#rereadingSince.set(key, nowMs);
  }

  #remember(handle: SessionHandle, record: SessionRecord | undefined, validUntilMs: number): void {
    this.#memory.delete(handle.kvKey);
    this.#memory.set(handle.kvKey, { record, validUntilMs });
    if (this.#memory.size > MAX_MEMORY_ENTRIES) {
      const oldest = this.#memory.keys().next().value;
      if (oldest !== undefined) this.#memory.delete(oldest);
    }
  }
}

function parseJsonRecord(text: string): SessionRecord | undefined {
  try {
    return parseSessionRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}
