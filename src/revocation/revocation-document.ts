/**
 * The emergency revocation document: one JSON value per issuer in KV (`revocations:<issuer>`), written
 * by `npm run revoke` and read by the worker. Pure functions, shared by the worker and the script.
 */
import { fail, ok, type Result } from "../result.ts";

export const REVOCATION_TYPES = ["sub", "sid", "kid"] as const;
/** What an entry names: a subject, a session id (`sid`), or the signing key (`kid`). */
export type RevocationType = (typeof REVOCATION_TYPES)[number];

export interface RevocationEntry {
  readonly type: RevocationType;
  readonly value: string;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  /** Seconds since the epoch; after it the entry is ignored and pruned at the next write. */
  readonly expiresAt: number;
  /** When set (seconds), only tokens and sessions issued before it are refused: a new sign-in works. */
  readonly issuedBefore?: number;
  /** The operator's note (ticket, incident); shown by `--list`, never needed by the worker. */
  readonly reason?: string;
}

export interface RevocationDocument {
  readonly version: 1;
  readonly issuer: string;
  /** Seconds since the epoch. */
  readonly updatedAt: number;
  readonly entries: readonly RevocationEntry[];
}

export const MAX_REVOCATION_ENTRIES = 10_000;
export const MIN_REVOCATION_TTL_SECONDS = 60;
export const MAX_REVOCATION_TTL_SECONDS = 90 * 24 * 3600;
const MAX_VALUE_LENGTH = 255; // OIDC Core §2: sub is at most 255 ASCII characters
const MAX_REASON_LENGTH = 200;

/** The KV key of an issuer's document: sub, sid and kid are only unique per issuer. */
export function revocationKey(issuer: string): string {
  return `revocations:${issuer}`;
}

export function emptyRevocationDocument(issuer: string, nowSeconds: number): RevocationDocument {
  return { version: 1, issuer, updatedAt: nowSeconds, entries: [] };
}

/**
 * Reads a stored document (null: none yet). Entries that are malformed are skipped and counted;
 * a document that is not one at all, or names another issuer, is refused.
 */
export function parseRevocationDocument(
  text: string | null,
  issuer: string,
  nowSeconds: number,
): Result<{ document: RevocationDocument; skipped: number }, string> {
  if (text === null) return ok({ document: emptyRevocationDocument(issuer, nowSeconds), skipped: 0 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail("not JSON");
  }
  if (!isRecord(body) || body.version !== 1 || !Array.isArray(body.entries))
    return fail("not a version 1 revocation document");
  if (body.issuer !== issuer) return fail("names another issuer");
  const entries = body.entries.filter(isEntry);
  return ok({
    document: {
      version: 1,
      issuer,
      updatedAt: typeof body.updatedAt === "number" ? body.updatedAt : 0,
      entries,
    },
    skipped: body.entries.length - entries.length,
  });
}

/** The document with the entry added (replacing one for the same type and value) and expired ones pruned. */
export function addRevocation(
  document: RevocationDocument,
  entry: RevocationEntry,
  nowSeconds: number,
): Result<RevocationDocument, string> {
  if (!isEntry(entry)) return fail("the entry is malformed (value 1–255 characters, times in seconds)");
  const kept = live(document, nowSeconds).filter((e) => !(e.type === entry.type && e.value === entry.value));
  if (kept.length >= MAX_REVOCATION_ENTRIES)
    return fail(`the document already holds ${MAX_REVOCATION_ENTRIES} live entries`);
  return ok({ ...document, updatedAt: nowSeconds, entries: [...kept, entry] });
}

/** The document without entries for that type and value, expired ones pruned. */
export function removeRevocation(
  document: RevocationDocument,
  type: RevocationType,
  value: string,
  nowSeconds: number,
): RevocationDocument {
  const entries = live(document, nowSeconds).filter((e) => !(e.type === type && e.value === value));
  return { ...document, updatedAt: nowSeconds, entries };
}

/** `90s`, `15m`, `1h`, `7d` (or bare seconds) as seconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(match[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

function live(document: RevocationDocument, nowSeconds: number): RevocationEntry[] {
  return document.entries.filter((e) => e.expiresAt > nowSeconds);
}

function isEntry(value: unknown): value is RevocationEntry {
  if (!isRecord(value)) return false;
  return (
    REVOCATION_TYPES.includes(value.type as RevocationType) &&
    typeof value.value === "string" &&
    value.value.length > 0 &&
    value.value.length <= MAX_VALUE_LENGTH &&
    isSeconds(value.createdAt) &&
    isSeconds(value.expiresAt) &&
    (value.issuedBefore === undefined || isSeconds(value.issuedBefore)) &&
    (value.reason === undefined ||
      (typeof value.reason === "string" && value.reason.length <= MAX_REASON_LENGTH))
  );
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
