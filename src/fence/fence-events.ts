/**
 * What the revocation fence holds (revocation-fence.ts): the session ends and revocations of one
 * issuer, each with its expiry, in the order they were recorded. Pure data and validation, shared by
 * the Durable Object, the isolates that read it and the admin endpoint that writes it.
 */
import {
  REVOCATION_TYPES,
  type RevocationEntry,
  type RevocationType,
} from "../revocation/revocation-document.ts";

/**
 * A revoked subject, session id or key id (as in the revocation document: the operator's), a session
 * the provider ended by `sid` or `sub` (ended-sessions.ts: kept apart, so it never replaces an
 * operator's entry), or a signed-out token.
 */
export type FenceEventKind = RevocationType | "ended-sid" | "ended-sub" | "token";

export interface FenceEvent {
  readonly kind: FenceEventKind;
  /** The `sub`, `sid` or `kid`, or for `token` the SHA-256 fingerprint of a signed-out ID token. */
  readonly value: string;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  /** Seconds since the epoch; after it the event refuses nothing and is deleted. */
  readonly expiresAt: number;
  /** sub/sid/kid (optional), ended-sid/ended-sub (required): only tokens and sessions issued before it (seconds) are refused. */
  readonly issuedBefore?: number;
  /** sub/sid/kid only: the revocation of this value is lifted (it revokes nothing until it expires). */
  readonly lifted?: true;
}

/** Where a reader is: the fence's storage generation and the last version it applied. */
export interface FenceCursor {
  readonly epoch: string;
  readonly version: number;
}

/** What changed since a cursor, oldest first; `complete: false` means more are waiting. */
export interface FenceChanges {
  readonly epoch: string;
  readonly version: number;
  /** The cursor's epoch was not the fence's (new storage): the events are everything live, from scratch. */
  readonly reset: boolean;
  readonly events: readonly FenceEvent[];
  readonly complete: boolean;
}

export const FENCE_EVENT_KINDS: readonly FenceEventKind[] = [
  ...REVOCATION_TYPES,
  "ended-sid",
  "ended-sub",
  "token",
];
/** Events written in one call at most (a back-channel logout of a subject with many tokens). */
export const MAX_EVENTS_PER_RECORD = 100;
const MAX_VALUE_LENGTH = 255; // OIDC Core §2: sub is at most 255 ASCII characters
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

/** Why an event cannot be recorded (for the admin endpoint's answer); undefined when it can. */
export function fenceEventProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "must be an object";
  const event = value as Record<string, unknown>;
  if (!FENCE_EVENT_KINDS.includes(event.kind as FenceEventKind))
    return `kind must be one of ${FENCE_EVENT_KINDS.join(", ")}`;
  if (typeof event.value !== "string" || event.value.length === 0 || event.value.length > MAX_VALUE_LENGTH)
    return "value must be a string of 1 to 255 characters";
  if (event.kind === "token" && !FINGERPRINT.test(event.value))
    return "a token's value must be its SHA-256 fingerprint, base64url (43 characters)";
  if (!isSeconds(event.createdAt) || !isSeconds(event.expiresAt))
    return "createdAt and expiresAt must be whole seconds since the epoch";
  if (event.issuedBefore !== undefined && !isSeconds(event.issuedBefore))
    return "issuedBefore must be whole seconds since the epoch";
  if (event.lifted !== undefined && event.lifted !== true) return "lifted must be true when present";
  if (event.kind === "token" && (event.issuedBefore !== undefined || event.lifted !== undefined))
    return "a token event takes neither issuedBefore nor lifted";
  if (
    (event.kind === "ended-sid" || event.kind === "ended-sub") &&
    (event.issuedBefore === undefined || event.lifted !== undefined)
  )
    return "an ended session takes issuedBefore and no lifted";
  return undefined;
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The fence event of a session the provider ended (a `sid` or `sub` entry of ended-sessions.ts). */
export function endedSessionEvent(entry: RevocationEntry): FenceEvent {
  return {
    kind: entry.type === "sid" ? "ended-sid" : "ended-sub",
    value: entry.value,
    createdAt: Math.floor(entry.createdAt),
    expiresAt: Math.ceil(entry.expiresAt),
    issuedBefore: Math.floor(entry.issuedBefore ?? entry.createdAt),
  };
}
