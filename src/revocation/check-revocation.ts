import { type Failure, unauthenticated } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import type { KeyMatch } from "../jwks/key-source.ts";
import type { KeyLookup } from "../observe/key-probe.ts";
import { fail, ok, type Result } from "../result.ts";
import type { RevocationDocument, RevocationEntry, RevocationType } from "./revocation-document.ts";

/** An issuer's revocations compiled for O(1) checks, with the time they were read from KV. */
export interface RevocationList {
  readonly loadedAtMs: number;
  readonly size: number;
  readonly entries: ReadonlyMap<string, RevocationEntry>;
  /** Fingerprints of signed-out ID tokens (signed-out-tokens.ts), each refused until then (seconds). */
  readonly signedOut: ReadonlyMap<string, number>;
  /** Sessions the provider ended, by `sid` or `sub` (ended-sessions.ts), kept apart from `entries`. */
  readonly endedSessions: ReadonlyMap<string, RevocationEntry>;
  /** The revocation fence could not be consulted at the last check (REVOCATION_FENCE_REQUIRED refuses then). */
  readonly fenceUnavailable?: boolean;
}

export const NO_REVOCATIONS: RevocationList = {
  loadedAtMs: 0,
  size: 0,
  entries: new Map(),
  signedOut: new Map(),
  endedSessions: new Map(),
};

/** What a token or a session says about itself that an operator may have revoked. */
export interface RevocationSubject {
  readonly sub?: string;
  readonly sid?: string;
  readonly kid?: string;
  /** `iat` of the token, or when the session was created (seconds). */
  readonly issuedAt?: number;
}

/** What a revocation entry can name in an identity: its subject, its session id, when it was issued. */
export function revocationSubject(identity: VerifiedIdentity): RevocationSubject {
  const { sid, iat } = identity.claims;
  return {
    sub: identity.sub,
    ...(typeof sid === "string" ? { sid } : {}),
    ...(typeof iat === "number" ? { issuedAt: iat } : {}),
  };
}

export function compileRevocations(
  document: RevocationDocument,
  loadedAtMs: number,
  signedOut: ReadonlyMap<string, number> = new Map(),
): RevocationList {
  const entries = new Map<string, RevocationEntry>();
  for (const entry of document.entries) entries.set(entryKey(entry.type, entry.value), entry);
  return { loadedAtMs, size: entries.size, entries, signedOut, endedSessions: new Map() };
}

/** Ended sessions keyed for `findRevocation`; of two for the same sid or sub, the later logout counts. */
export function compileEndedSessions(entries: Iterable<RevocationEntry>): Map<string, RevocationEntry> {
  const compiled = new Map<string, RevocationEntry>();
  for (const entry of entries) {
    const key = entryKey(entry.type, entry.value);
    const known = compiled.get(key);
    if (!known || (entry.issuedBefore ?? 0) > (known.issuedBefore ?? 0)) compiled.set(key, entry);
  }
  return compiled;
}

/** Whether a token (by its fingerprint) belongs to a session that signed out, and is not yet expired. */
export function isSignedOut(list: RevocationList, fingerprint: string, nowSeconds: number): boolean {
  const until = list.signedOut.get(fingerprint);
  return until !== undefined && until > nowSeconds;
}

/** The failure a signed-out session's ID token gets when it comes back as a bearer token. */
export function signedOutFailure(): Failure {
  return unauthenticated("revoked", "signed_out");
}

/** The live entry that revokes this token or session, if any (an expired entry revokes nothing). */
export function findRevocation(
  list: RevocationList,
  subject: RevocationSubject,
  nowSeconds: number,
): RevocationEntry | undefined {
  if (list.size === 0 && list.endedSessions.size === 0) return undefined;
  for (const type of ["kid", "sid", "sub"] as const) {
    const value = subject[type];
    if (value === undefined) continue;
    const key = entryKey(type, value);
    const entry = list.entries.get(key);
    if (entry && refuses(entry, subject, nowSeconds)) return entry;
    const ended = list.endedSessions.get(key);
    if (ended && refuses(ended, subject, nowSeconds)) return ended;
  }
  return undefined;
}

function refuses(entry: RevocationEntry, subject: RevocationSubject, nowSeconds: number): boolean {
  if (entry.expiresAt <= nowSeconds) return false;
  return entry.issuedBefore === undefined || (subject.issuedAt ?? 0) < entry.issuedBefore;
}

/** The failure a revoked credential gets: 401 like any credential that no longer counts. */
export function revokedFailure(entry: RevocationEntry): Failure {
  return unauthenticated("revoked", `revoked by a ${entry.type} entry`);
}

/**
 * Wraps a key lookup so that a revoked signing key is never used: a token naming a revoked `kid` is
 * refused as `revoked`, and a token without a `kid` cannot be verified with a revoked key either.
 */
export function withoutRevokedKeys(keys: KeyLookup, list: RevocationList, nowSeconds: number): KeyLookup {
  if (list.size === 0) return keys;
  const usableOnly = (match: Result<KeyMatch, Failure>): Result<KeyMatch, Failure> => {
    if (!match.ok) return match;
    const usable = match.value.keys.filter(
      (key) => key.kid === undefined || !findRevocation(list, { kid: key.kid }, nowSeconds),
    );
    if (usable.length === match.value.keys.length) return match;
    if (usable.length === 0) return fail(unauthenticated("revoked", "every matching key is revoked"));
    return ok({ ...match.value, keys: usable });
  };
  const afterMiss = keys.keysAfterSignatureMiss?.bind(keys);
  return {
    async keysFor(rt, kid, alg) {
      const named = kid === undefined ? undefined : findRevocation(list, { kid }, nowSeconds);
      if (named) return fail(revokedFailure(named));
      return usableOnly(await keys.keysFor(rt, kid, alg));
    },
    ...(afterMiss
      ? {
          // Revoked keys are left out of the retry without a verdict of their own: the token was
          // not shown to be signed by one of them.
          async keysAfterSignatureMiss(rt, alg, tried) {
            const match = await afterMiss(rt, alg, tried);
            if (!match.ok) return match;
            const usable = match.value.keys.filter(
              (key) => key.kid === undefined || !findRevocation(list, { kid: key.kid }, nowSeconds),
            );
            return ok({ ...match.value, keys: usable });
          },
        }
      : {}),
  };
}

/** The key of an entry in a `RevocationList`: its type and value. */
export function entryKey(type: RevocationType, value: string): string {
  return `${type}\u0000${value}`;
}
