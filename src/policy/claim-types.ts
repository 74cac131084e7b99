/**
 * The one typing rule for every claim the route policy reads (README, "Route rules"): a claim either
 * has its documented JSON type, is absent, or has the wrong type — and a wrong type is never read as
 * a value. Nothing is coerced: `"true"` is not `true`, `1` is not `"1"`, `["admins"]` is not an email.
 */

export type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object";

export type ClaimReading<T> =
  | { readonly kind: "value"; readonly value: T }
  | { readonly kind: "absent" }
  | { readonly kind: "wrong_type"; readonly found: JsonType };

const ABSENT = { kind: "absent" } as const;

/** The JSON type of a value parsed from JSON (claims come from a strictly parsed JWT payload). */
export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "object";
  }
}

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
 * The groups claim: an array of strings, or a single string (one group). Anything else — a number,
 * an object, `null`, an array holding anything but strings — is the wrong type and names no group.
 */
export function readGroupsClaim(
  claims: Readonly<Record<string, unknown>>,
  name: string,
): ClaimReading<readonly string[]> {
  if (!hasClaim(claims, name)) return ABSENT;
  const value = claims[name];
  if (typeof value === "string") return { kind: "value", value: [value] };
  if (Array.isArray(value) && value.every((group) => typeof group === "string"))
    return { kind: "value", value: value as string[] };
  return { kind: "wrong_type", found: jsonTypeOf(value) };
}

/**
 * A `require_claims` entry: equal only to a claim of the same JSON type and the same value. A claim of
 * another type is `wrong_type`, never compared (`"true"` does not satisfy `true`).
 */
export function compareClaim(
  claims: Readonly<Record<string, unknown>>,
  name: string,
  expected: string | number | boolean,
): "equal" | "different" | "absent" | { readonly wrongType: JsonType } {
  if (!hasClaim(claims, name)) return "absent";
  const value = claims[name];
  if (typeof value !== typeof expected) return { wrongType: jsonTypeOf(value) };
  return value === expected ? "equal" : "different";
}
