import { DEFAULTS } from "../config/defaults.ts";
import { withDeadline } from "../deadline.ts";
import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";

/** Bumped when a record's shape changes; part of every key, so old and new workers never misread. */
export const KV_RECORD_VERSION = 1;

export type DocumentKind = "discovery" | "jwks";

/**
 * A provider document as KV keeps it, shared by every isolate and location: the judged JSON (for a
 * JWKS only the keys that passed hygiene), when it was fetched, and its clamped max-age.
 */
export interface DocumentRecord {
  readonly version: typeof KV_RECORD_VERSION;
  readonly kind: DocumentKind;
  readonly issuer: string;
  /** Milliseconds since the epoch, when the fetch started. */
  readonly fetchedAt: number;
  readonly maxAgeSeconds: number;
  readonly body: unknown;
}

/** Written after a forced (unknown-kid) refresh asked the provider: which kids it had, and when. */
export interface KidRefreshRecord {
  readonly version: typeof KV_RECORD_VERSION;
  readonly kind: "kid-refresh";
  readonly issuer: string;
  readonly at: number;
  readonly kids: readonly string[];
}

/** A record's date may run ahead of this isolate's clock by this much (clocks of two machines). */
const CLOCK_SKEW_MS = 60_000;

export function documentKey(kind: DocumentKind, issuer: string): string {
  return `v${KV_RECORD_VERSION}:${kind}:${issuer}`;
}

export function kidRefreshKey(issuer: string): string {
  return `v${KV_RECORD_VERSION}:kid-refresh:${issuer}`;
}

/** Reads a document record; an outage, a timeout or a record that does not fit the shape is a miss. */
export async function readDocumentRecord(
  rt: Runtime,
  kind: DocumentKind,
  issuer: string,
  timeoutMs: number,
): Promise<DocumentRecord | undefined> {
  const key = documentKey(kind, issuer);
  const value = await readJson(rt, key, timeoutMs);
  if (value === undefined) return undefined;
  const problem = documentRecordProblem(value, kind, issuer, rt.now());
  if (problem === undefined) return value as DocumentRecord;
  rt.log({ event: "kv_record_ignored", key, problem });
  return undefined;
}

export async function readKidRefreshRecord(
  rt: Runtime,
  issuer: string,
  timeoutMs: number,
): Promise<KidRefreshRecord | undefined> {
  const key = kidRefreshKey(issuer);
  const value = (await readJson(rt, key, timeoutMs)) as Partial<KidRefreshRecord> | undefined;
  if (value === undefined) return undefined;
  const fits =
    value.version === KV_RECORD_VERSION &&
    value.kind === "kid-refresh" &&
    value.issuer === issuer &&
    isDate(value.at, rt.now()) &&
    Array.isArray(value.kids) &&
    value.kids.every((kid) => typeof kid === "string");
  if (fits) return value as KidRefreshRecord;
  rt.log({ event: "kv_record_ignored", key, problem: "not a kid-refresh record" });
  return undefined;
}

/**
 * Writes a record for `ttlSeconds` (raised to KV's minimum of 60 s) within the KV deadline. Never
 * throws: a failed or late write is logged and the isolate goes on with what it has in memory.
 */
export async function writeRecord(
  rt: Runtime,
  key: string,
  record: DocumentRecord | KidRefreshRecord,
  ttlSeconds: number,
  timeoutMs: number,
): Promise<boolean> {
  const expirationTtl = Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(ttlSeconds));
  const written = await withDeadline(
    () => rt.kv.put(key, JSON.stringify(record), { expirationTtl }),
    timeoutMs,
  );
  if ("value" in written) return true;
  rt.log({ event: "kv_error", operation: "put", key, problem: written.problem });
  return false;
}

/**
 * Shares a fetched document through KV for as long as it may serve (max-age + max-stale), unless KV
 * already holds a newer one (another isolate or location refreshed later): a late write never
 * replaces a newer record.
 */
export async function writeDocumentRecord(
  rt: Runtime,
  document: Omit<DocumentRecord, "version">,
  maxStaleSeconds: number,
  timeoutMs: number,
): Promise<void> {
  const record: DocumentRecord = { version: KV_RECORD_VERSION, ...document };
  const existing = await readDocumentRecord(rt, record.kind, record.issuer, timeoutMs);
  if (existing && existing.fetchedAt > record.fetchedAt) return;
  const key = documentKey(record.kind, record.issuer);
  await writeRecord(rt, key, record, record.maxAgeSeconds + maxStaleSeconds, timeoutMs);
}

async function readJson(rt: Runtime, key: string, timeoutMs: number): Promise<unknown> {
  const read = await readKvText(rt.kv, key, timeoutMs);
  if ("problem" in read) {
    rt.log({ event: "kv_error", operation: "get", key, problem: read.problem });
    return undefined;
  }
  const text = read.text;
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    rt.log({ event: "kv_record_ignored", key, problem: "not JSON" });
    return undefined;
  }
}

function documentRecordProblem(
  value: unknown,
  kind: DocumentKind,
  issuer: string,
  nowMs: number,
): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const record = value as Partial<DocumentRecord>;
  if (record.version !== KV_RECORD_VERSION) return `version is not ${KV_RECORD_VERSION}`;
  if (record.kind !== kind) return `kind is not ${kind}`;
  if (record.issuer !== issuer) return "issuer does not match";
  if (!isDate(record.fetchedAt, nowMs)) return "fetchedAt is not a plausible date";
  if (typeof record.maxAgeSeconds !== "number" || !(record.maxAgeSeconds >= 0))
    return "maxAgeSeconds is not a number";
  if (record.body === null || typeof record.body !== "object") return "body is not a JSON object";
  return undefined;
}

function isDate(value: unknown, nowMs: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 && value <= nowMs + CLOCK_SKEW_MS;
}
