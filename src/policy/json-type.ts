export type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object";

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
