import { type JsonType, jsonTypeOf } from "./json-type.ts";

/**
 * How a route rule, GROUPS_CLAIM or the groups header names a claim: by its top-level name exactly as
 * it appears in the token (`cognito:groups`, `https://example.com/roles`), or by a JSON Pointer
 * (RFC 6901) starting with `/` for a nested member (`/realm_access/roles`). Compiled once, at
 * configuration load.
 */
export interface ClaimPath {
  /** As configured: what a log line names. */
  readonly name: string;
  /** The members to walk from the payload, unescaped (`~1` → `/`, `~0` → `~`). */
  readonly tokens: readonly string[];
}

/** A reading of the member a path names: its value, absent, or a step that is not a container. */
export type PathReading =
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "absent" }
  /** `at` is the part of the path whose value is of type `found` and cannot be walked into. */
  | { readonly kind: "not_container"; readonly at: string; readonly found: JsonType };

/** A top-level claim, named as it appears in the token. */
export function topLevelClaim(name: string): ClaimPath {
  return { name, tokens: [name] };
}

/**
 * Compiles a claim name. A name starting with `/` is a JSON Pointer: every `~` must be followed by `0`
 * or `1` (RFC 6901 §3), and no reference token may be empty (no claim has an empty name). Returns the
 * problem, worded for a configuration error, when the pointer is invalid.
 */
export function compileClaimPath(
  name: string,
): { ok: true; path: ClaimPath } | { ok: false; problem: string } {
  if (!name.startsWith("/")) return { ok: true, path: topLevelClaim(name) };
  const tokens: string[] = [];
  for (const raw of name.slice(1).split("/")) {
    if (raw === "")
      return {
        ok: false,
        problem: `${JSON.stringify(name)} is a JSON Pointer with an empty step; name each member, e.g. "/realm_access/roles"`,
      };
    if (/~(?![01])/.test(raw))
      return {
        ok: false,
        problem: `${JSON.stringify(name)} is not a valid JSON Pointer (RFC 6901): "~" must be followed by 0 or 1 ("~0" for "~", "~1" for "/")`,
      };
    tokens.push(raw.replaceAll("~1", "/").replaceAll("~0", "~"));
  }
  return { ok: true, path: { name, tokens } };
}

/** The problem with a claim name, or undefined when it compiles (for the configuration schema). */
export function claimPathProblem(name: string): string | undefined {
  const compiled = compileClaimPath(name);
  return compiled.ok ? undefined : compiled.problem;
}

/** RFC 6901 §4: an array index is "0" or digits without a leading zero (no "-", "+", "01", "1e0"). */
const CANONICAL_INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/**
 * Reads the member a path names from verified claims. Only own members are read (never an inherited
 * property such as `constructor` or `__proto__`'s target); an array is entered only by a canonical
 * decimal index within its length; a step into a string, number, boolean or null is `not_container`.
 */
export function readClaimPath(claims: Readonly<Record<string, unknown>>, path: ClaimPath): PathReading {
  let current: unknown = claims;
  let walked = "";
  for (const token of path.tokens) {
    if (current === null || typeof current !== "object")
      return { kind: "not_container", at: walked, found: jsonTypeOf(current) };
    if (Array.isArray(current)) {
      if (!CANONICAL_INDEX.test(token)) return ABSENT;
      const index = Number(token);
      if (index >= current.length) return ABSENT;
      current = current[index];
    } else {
      if (!Object.hasOwn(current, token)) return ABSENT;
      current = (current as Record<string, unknown>)[token];
    }
    if (current === undefined) return ABSENT;
    walked = `${walked}/${escapeToken(token)}`;
  }
  return { kind: "value", value: current };
}

const ABSENT = { kind: "absent" } as const;

function escapeToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}
