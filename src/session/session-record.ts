import type { SessionSettings } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import type { VerifiedClaims } from "../identity.ts";
import { withUserinfo } from "../oidc/userinfo-claims.ts";

/** What KV keeps for a signed-in browser. Times are seconds since the epoch. */
export interface SessionRecord {
  readonly v: 1;
  /** The claims of the last verified ID token (for identity headers and route rules). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** The session ends here whatever happens (SESSION_ABSOLUTE_TTL_SECONDS after sign-in). */
  readonly absoluteExpiresAt: number;
  /** The verified identity is good until here (the ID token's exp); then refresh or sign in again. */
  readonly identityExpiresAt: number;
  /** The last ID token, for `id_token_hint` at logout. */
  readonly idToken: string;
  /** The refresh token, sealed with SESSION_SECRET for this session only. */
  readonly refreshToken?: string;
  readonly refreshedAt?: number;
  /**
   * OIDC_USERINFO: the UserInfo claims fetched at sign-in, kept apart from the ID token's so that a
   * refresh (which replaces `claims`) keeps them. Route rules see both (`sessionClaims`).
   */
  readonly userinfo?: Readonly<Record<string, unknown>>;
  /**
   * The origin (`https://docs.example.com`) the browser signed in on. The session serves that origin
   * only: its cookie presented on another host (copied, or sent by a cookie shared across subdomains)
   * is no session there (`sessionMadeOn`).
   */
  readonly origin: string;
}

export type SessionVerdict =
  | { readonly state: "valid"; readonly touch: boolean }
  | { readonly state: "needs_refresh" }
  | {
      readonly state: "ended";
      readonly reason: "session_expired" | "session_idle" | "session_identity_expired";
    };

// Claims that only mattered at the callback; no need to keep them.
const TRANSIENT_CLAIMS = new Set(["nonce", "at_hash", "c_hash", "s_hash"]);

export function startSessionRecord(
  origin: string,
  claims: Readonly<Record<string, unknown>>,
  idToken: string,
  sealedRefreshToken: string | undefined,
  settings: SessionSettings,
  nowSeconds: number,
  userinfo?: Readonly<Record<string, unknown>>,
): SessionRecord {
  return {
    v: 1,
    origin,
    claims: keptClaims(claims),
    createdAt: nowSeconds,
    lastSeenAt: nowSeconds,
    absoluteExpiresAt: nowSeconds + settings.absoluteTtlSeconds,
    identityExpiresAt: claims.exp as number,
    idToken,
    ...(sealedRefreshToken === undefined ? {} : { refreshToken: sealedRefreshToken }),
    ...(userinfo === undefined ? {} : { userinfo }),
  };
}

/** The claims route rules and identity headers see for a session: the ID token's plus UserInfo's. */
export function sessionClaims(record: SessionRecord): Readonly<Record<string, unknown>> {
  return withUserinfo(record.claims, record.userinfo);
}

/**
 * What a session's identity is made from: the claims of the ID token checked when the session was made
 * or renewed, plus UserInfo's (`sessionClaims`). `iss` and `sub` were checked again as strings when the
 * record was read (`parseSessionRecord`); `exp` is the one the ID token's checks read.
 */
export function sessionVerifiedClaims(record: SessionRecord): VerifiedClaims {
  const all = sessionClaims(record);
  return { iss: all.iss as string, sub: all.sub as string, exp: all.exp as number, all };
}

export function keptClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !TRANSIENT_CLAIMS.has(name)));
}

/**
 * Whether a session may serve a request at `nowSeconds`: it ends at its absolute lifetime or after
 * the idle timeout; once the identity (ID token) has expired it needs a refresh, or a new sign-in
 * when there is no refresh token. `touch` asks to record activity (at most once per interval).
 */
export function judgeSession(
  record: SessionRecord,
  settings: SessionSettings,
  nowSeconds: number,
): SessionVerdict {
  if (nowSeconds >= record.absoluteExpiresAt) return { state: "ended", reason: "session_expired" };
  if (nowSeconds >= record.lastSeenAt + settings.idleTtlSeconds)
    return { state: "ended", reason: "session_idle" };
  if (nowSeconds >= record.identityExpiresAt)
    return record.refreshToken === undefined
      ? { state: "ended", reason: "session_identity_expired" }
      : { state: "needs_refresh" };
  return { state: "valid", touch: nowSeconds - record.lastSeenAt >= settings.touchIntervalSeconds };
}

/**
 * Whether a session was made by this deployment's sign-in: its ID token's `iss` is the configured
 * issuer and its `aud` names the configured client. A record from another issuer or client (a changed
 * configuration, a KV namespace shared by two deployments) is no session here.
 */
export function sessionIssuedFor(record: SessionRecord, issuer: string, clientId: string): boolean {
  const { iss, aud } = record.claims;
  const audiences = Array.isArray(aud) ? aud : [aud];
  return iss === issuer && audiences.includes(clientId);
}

/**
 * Whether a session serves requests to `origin` (scheme, host and port, as `URL.origin` spells them):
 * only the origin it was made on. Every site keeps its own sign-in, and a cookie carried to another
 * host of the same deployment cannot open a session there.
 */
export function sessionMadeOn(record: SessionRecord, origin: string): boolean {
  return record.origin === origin;
}

/** When the session ends if nothing else happens: the absolute limit or the idle timeout. */
export function sessionDeadline(record: SessionRecord, settings: SessionSettings): number {
  return Math.min(record.absoluteExpiresAt, record.lastSeenAt + settings.idleTtlSeconds);
}

/** KV's expirationTtl for the record: until its deadline, and never under KV's minimum of 60 s. */
export function kvTtlSeconds(record: SessionRecord, settings: SessionSettings, nowSeconds: number): number {
  return Math.max(DEFAULTS.kvMinTtlSeconds, Math.ceil(sessionDeadline(record, settings) - nowSeconds));
}

/** A record read back from KV, if it has the expected shape. */
export function parseSessionRecord(value: unknown): SessionRecord | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const numbers = ["createdAt", "lastSeenAt", "absoluteExpiresAt", "identityExpiresAt"];
  if (record.v !== 1 || !numbers.every((name) => Number.isFinite(record[name]))) return undefined;
  if (typeof record.idToken !== "string") return undefined;
  // A record without its origin cannot be bound to a site: no session (the browser signs in again).
  if (typeof record.origin !== "string") return undefined;
  if (record.refreshToken !== undefined && typeof record.refreshToken !== "string") return undefined;
  const userinfo = record.userinfo as unknown;
  if (
    userinfo !== undefined &&
    (userinfo === null || typeof userinfo !== "object" || Array.isArray(userinfo))
  )
    return undefined;
  const claims = record.claims as Record<string, unknown> | null;
  if (
    claims === null ||
    typeof claims !== "object" ||
    typeof claims.sub !== "string" ||
    typeof claims.iss !== "string"
  )
    return undefined;
  return record as unknown as SessionRecord;
}
