import { DurableObject } from "cloudflare:workers";
import {
  type FenceChanges,
  type FenceCursor,
  type FenceEvent,
  type FenceEventKind,
  fenceEventProblem,
  MAX_EVENTS_PER_RECORD,
} from "./fence-events.ts";

/** Events handed out per `changesSince` call at most; a reader asks again for the rest. */
export const MAX_CHANGES_PER_READ = 1000;

/** What `record` answers: the version the events got, or why nothing was recorded. */
export type FenceRecorded =
  | { readonly ok: true; readonly epoch: string; readonly version: number }
  | { readonly ok: false; readonly problem: string };

interface EventRow extends Record<string, SqlStorageValue> {
  version: number;
  kind: string;
  value: string;
  created_at: number;
  expires_at: number;
  issued_before: number | null;
  lifted: number;
}

/**
 * The revocation fence of one issuer (one instance per issuer, `idFromName(issuer)`): the session
 * ends and revocations every isolate must honour, in SQLite, each under a version that only grows.
 * One instance serialises every write and read, so an event recorded before a reader asks is in its
 * answer: that is the strong consistency KV lacks. Expired events are deleted at each write.
 *
 * The clock is the caller's (`nowSeconds`): the worker's one seam decides what has expired.
 * `epoch` names this storage: a reader whose cursor has another epoch gets everything anew.
 */
export class RevocationFence extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #epoch: string;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS events (
      version INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL, value TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
      issued_before INTEGER, lifted INTEGER NOT NULL DEFAULT 0)`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS events_by_name ON events (kind, value)");
    this.#sql.exec("CREATE INDEX IF NOT EXISTS events_by_expiry ON events (expires_at)");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const stored = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'epoch'").toArray();
    this.#epoch = stored[0]?.value ?? crypto.randomUUID();
    if (stored.length === 0) this.#sql.exec("INSERT INTO meta (key, value) VALUES ('epoch', ?)", this.#epoch);
  }

  /**
   * Records events (each replacing an earlier one for the same kind and value) and answers the
   * version the last one got. Malformed input records nothing. A lifted revocation keeps its row
   * until the revocation it lifts would have expired, so readers that hold it learn of the lift.
   */
  record(events: readonly FenceEvent[], nowSeconds: number): FenceRecorded {
    if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_RECORD)
      return { ok: false, problem: `events must be a list of 1 to ${MAX_EVENTS_PER_RECORD}` };
    for (const [index, event] of events.entries()) {
      const problem = fenceEventProblem(event);
      if (problem !== undefined) return { ok: false, problem: `events[${index}]: ${problem}` };
    }
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM events WHERE expires_at <= ?", Math.floor(nowSeconds));
      for (const event of events) {
        const previous = this.#sql
          .exec<{ expires_at: number }>(
            "SELECT expires_at FROM events WHERE kind = ? AND value = ?",
            event.kind,
            event.value,
          )
          .toArray()[0];
        this.#sql.exec("DELETE FROM events WHERE kind = ? AND value = ?", event.kind, event.value);
        const expiresAt = event.lifted
          ? Math.max(event.expiresAt, previous?.expires_at ?? 0)
          : event.expiresAt;
        this.#sql.exec(
          "INSERT INTO events (kind, value, created_at, expires_at, issued_before, lifted) VALUES (?, ?, ?, ?, ?, ?)",
          event.kind,
          event.value,
          event.createdAt,
          expiresAt,
          event.issuedBefore ?? null,
          event.lifted ? 1 : 0,
        );
      }
    });
    return { ok: true, epoch: this.#epoch, version: this.#lastVersion() };
  }

  /**
   * The live events recorded after the cursor, oldest first, at most `MAX_CHANGES_PER_READ`. A cursor
   * of another epoch (or none) gets every live event from the start.
   */
  changesSince(cursor: FenceCursor | null, nowSeconds: number): FenceChanges {
    const reset = cursor === null || cursor.epoch !== this.#epoch;
    const since = reset ? 0 : Math.max(0, Math.floor(cursor.version));
    const rows = this.#sql
      .exec<EventRow>(
        "SELECT * FROM events WHERE version > ? AND expires_at > ? ORDER BY version LIMIT ?",
        since,
        Math.floor(nowSeconds),
        MAX_CHANGES_PER_READ + 1,
      )
      .toArray();
    const complete = rows.length <= MAX_CHANGES_PER_READ;
    const page = complete ? rows : rows.slice(0, MAX_CHANGES_PER_READ);
    const last = page.at(-1)?.version;
    return {
      epoch: this.#epoch,
      version: complete ? Math.max(since, this.#lastVersion()) : (last ?? since),
      reset,
      events: page.map(toEvent),
      complete,
    };
  }

  #lastVersion(): number {
    const row = this.#sql
      .exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
      .toArray()[0];
    return row?.seq ?? 0;
  }
}

function toEvent(row: EventRow): FenceEvent {
  return {
    kind: row.kind as FenceEventKind,
    value: row.value,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.issued_before === null ? {} : { issuedBefore: row.issued_before }),
    ...(row.lifted ? { lifted: true as const } : {}),
  };
}
