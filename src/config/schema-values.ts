import * as v from "valibot";

/** Vars arrive as TOML values (numbers, arrays, tables) or as strings from `--var` and `.dev.vars`. */
export const nonEmptyString = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(1, "must not be empty"),
);

export const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.union(
      [
        v.number(),
        v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number)),
      ],
      "must be a whole number",
    ),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const flag = v.union(
  [
    v.boolean(),
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(["true", "false"]),
      v.transform((text) => text === "true"),
    ),
  ],
  'must be true or false (a TOML boolean, or the string "true" or "false")',
);

export const fraction = v.pipe(
  v.union(
    [
      v.number(),
      v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/, "must be a number"), v.transform(Number)),
    ],
    "must be a number between 0 and 1",
  ),
  v.minValue(0, "must be at least 0"),
  v.maxValue(1, "must be at most 1"),
);

/**
 * A list: a TOML array, or a string from `--var`/`.dev.vars` — JSON text when it starts with `[`
 * (`'["a","b"]'`), else comma-separated (`a, b`).
 */
export const stringList = v.pipe(
  v.union(
    [v.array(nonEmptyString, "must be a list of strings"), v.string()],
    "must be a list of strings or a comma-separated string",
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== "string") return dataset.value;
    const text = dataset.value.trim();
    if (!text.startsWith("["))
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    const list = parseJsonStringList(text);
    if (list) return list;
    addIssue({ message: 'starts with "[" but is not a JSON list of non-empty strings' });
    return NEVER;
  }),
);

function parseJsonStringList(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return undefined;
    const items = parsed.map((item) => (typeof item === "string" ? item.trim() : ""));
    return items.every((item) => item.length > 0) ? items : undefined;
  } catch {
    return undefined;
  }
}

/** Scopes as a space- or comma-separated string or a list; OIDC requires "openid" among them. */
export const scopeList = v.pipe(
  v.union(
    [
      v.array(nonEmptyString, "must be a list of scopes"),
      v.pipe(
        v.string(),
        v.transform((text) => text.split(/[\s,]+/).filter((item) => item.length > 0)),
      ),
    ],
    "must be a list of scopes or a space-separated string",
  ),
  v.check(
    (scopes) => scopes.every((scope) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)),
    "each scope must be printable ASCII without quotes or backslashes (RFC 6749 §3.3)",
  ),
  v.check((scopes) => scopes.includes("openid"), 'must include "openid" (OIDC Core §3.1.2.1)'),
);
