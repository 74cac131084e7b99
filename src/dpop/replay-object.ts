import { DurableObject } from "cloudflare:workers";

/** How often an object with entries wakes up to drop the expired ones. */
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/** Expired rows dropped per call of `seen`, so a call's cost stays bounded. */
const PURGE_PER_CALL = 64;

/**
 * One shard of the DPoP replay store: the proofs (by a hash of key thumbprint and `jti`) seen while
 * they could still be accepted. A Durable Object is one single-threaded instance worldwide, so two
 * requests with the same proof, in any isolates and locations, meet here and only the first is
 * fresh — what KV, eventually consistent, cannot promise. Entries live in the object's SQLite storage
 * until their proof's window ends; each call drops a few expired ones and an alarm sweeps the rest.
 * Expiry runs on the callers' clock (the platform seam's `now`), recorded as a high-water mark.
 */
export class DpopReplayObject extends DurableObject {
  readonly #sql: SqlStorage;
  /** An alarm is known to be set (saves a storage read per call); forgotten when the alarm runs. */
  #alarmSet = false;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);" +
        "CREATE INDEX IF NOT EXISTS seen_expiry ON seen (expires_at);" +
        "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 0), now_ms INTEGER NOT NULL);",
    );
  }

  /**
   * Whether `key` was seen before and has not expired; either way it is recorded until `expiresAtMs`.
   * Synchronous SQLite calls with no await in between: no other call can interleave (input gate).
   */
  async seen(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const clockMs = this.#advanceClock(nowMs);
    this.#sql.exec(
      "DELETE FROM seen WHERE key IN (SELECT key FROM seen WHERE expires_at <= ? LIMIT ?)",
      clockMs,
      PURGE_PER_CALL,
    );
    const known = this.#sql.exec("SELECT 1 FROM seen WHERE key = ?", key).toArray().length > 0;
    if (known) return true;
    this.#sql.exec("INSERT INTO seen (key, expires_at) VALUES (?, ?)", key, expiresAtMs);
    if (!this.#alarmSet) {
      this.#alarmSet = true;
      if ((await this.ctx.storage.getAlarm()) === null)
        await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
    }
    return false;
  }

  override async alarm(): Promise<void> {
    this.#alarmSet = false;
    const clockMs = this.#advanceClock(0);
    this.#sql.exec("DELETE FROM seen WHERE expires_at <= ?", clockMs);
    const left = this.#sql.exec("SELECT 1 FROM seen LIMIT 1").toArray().length;
    if (left > 0) {
      this.#alarmSet = true;
      await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
    }
  }

  /** The latest time any caller reported (never earlier than before). */
  #advanceClock(nowMs: number): number {
    this.#sql.exec(
      "INSERT INTO clock (id, now_ms) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET now_ms = max(now_ms, excluded.now_ms)",
      nowMs,
    );
    const row = this.#sql.exec<{ now_ms: number }>("SELECT now_ms FROM clock WHERE id = 0").one();
    return row.now_ms;
  }
}
