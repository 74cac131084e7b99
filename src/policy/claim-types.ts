import { type ClaimPath, readClaimPath } from "./claim-path.ts";
import { type JsonType, jsonTypeOf } from "./json-type.ts";

/**
 * The one typing rule for every claim the route policy reads (README, "Route rules"): a claim either
 * has its documented JSON type, is absent, or has the wrong type — and a wrong type is never read as
 * a value. Nothing is coerced: `"true"` is not `true`, `1` is not `"1"`, `["admins"]` is not an email.
 */

export { type JsonType, jsonTypeOf } from "./json-type.ts";

export type ClaimReading<T> =
  | { readonly kind: "value"; readonly value: T }
  | { readonly kind: "absent" }
  | { readonly kind: "wrong_type"; readonly found: JsonType };

const ABSENT = { kind: "absent" } as const;

/** Whether a claim is present at all: an own member of the payload (never an inherited property). */
export function hasClaim(claims: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.hasOwn(claims, name) && claims[name] !== undefined;
}

/** A claim that must be a JSON string (`email`, `name`). */
export function readStringClaim(
  claims: Readonly<Record<string, unknown>>,
  name: string,
): ClaimReading<string> {
  if (!hasClaim(claims, name)) return ABSENT;
  const value = claims[name];
  return typeof value === "string"
    ? { kind: "value", value }
    : { kind: "wrong_type", found: jsonTypeOf(value) };
}

/** A claim that must be a JSON boolean (`email_verified`, OIDC Core §5.1). */
export function readBooleanClaim(
  claims: Readonly<Record<string, unknown>>,
  name: string,
): ClaimReading<boolean> {
  if (!hasClaim(claims, name)) return ABSENT;
  const value = claims[name];
  return typeof value === "boolean"
    ? { kind: "value", value }
    : { kind: "wrong_type", found: jsonTypeOf(value) };
}

/**
 * The groups claim (named by GROUPS_CLAIM, a top-level name or a JSON Pointer): an array of strings,
 * or a single string (one group). Anything else — a number, an object, `null`, an array holding
 * anything but strings, a pointer through a non-container — is the wrong type and names no group.
 */
export function readGroupsClaim(
  claims: Readonly<Record<string, unknown>>,
  path: ClaimPath,
): ClaimReading<readonly string[]> {
  const reading = readClaimPath(claims, path);
  if (reading.kind === "absent") return ABSENT;
  if (reading.kind === "not_container") return { kind: "wrong_type", found: reading.found };
  const value = reading.value;
  if (typeof value === "string") return { kind: "value", value: [value] };
  if (Array.isArray(value) && value.every((group) => typeof group === "string"))
    return { kind: "value", value: value as string[] };
  return { kind: "wrong_type", found: jsonTypeOf(value) };
}

export type RuleValue = string | number | boolean;

/** How a claim compares with a `require_claims` entry; `wrongType` describes the type found, never the value. */
export type ClaimComparison = "match" | "no_match" | "absent" | { readonly wrongType: string };

/**
 * A `require_claims` entry: one value or a list of values, any of which may match. A string, number
 * or boolean claim matches a value of the same JSON type and the same value; an array claim matches
 * when it holds one (membership), and must hold only values of the types the entry lists. Any other
 * type — `null`, an object, a string where the entry wants booleans (`"true"` is not `true`), an array
 * holding objects — is `wrongType`, never compared.
 */
export function compareClaim(
  claims: Readonly<Record<string, unknown>>,
  path: ClaimPath,
  anyOf: readonly RuleValue[],
): ClaimComparison {
  const reading = readClaimPath(claims, path);
  if (reading.kind === "absent") return "absent";
  if (reading.kind === "not_container")
    return { wrongType: `${reading.at} is ${reading.found}, not an object or array` };
  const value = reading.value;
  const wanted = new Set<string>(anyOf.map((expected) => typeof expected));
  if (Array.isArray(value)) {
    const foreign = value.find((member) => !wanted.has(jsonTypeOf(member)));
    if (foreign !== undefined) return { wrongType: `array holding ${jsonTypeOf(foreign)}` };
    return value.some((member) => anyOf.includes(member as RuleValue)) ? "match" : "no_match";
  }
  if (!wanted.has(jsonTypeOf(value))) return { wrongType: jsonTypeOf(value) };
  return anyOf.includes(value as RuleValue) ? "match" : "no_match";
}
