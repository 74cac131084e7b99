import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStrictJsonObject } from "../../src/jwt/strict-json.ts";
import { seededRuns } from "../support/property-runs.ts";

const bytesOf = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseStrictJsonObject(bytesOf(text));
/** Every character of a key written as a \u escape: the same key to JSON.parse. */
const escaped = (key: string) =>
  `"${[...key].map((c) => [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")).join("")}"`;

/**
 * JSON text of an object that names one key twice (the second time plain or \u-escaped), with other
 * keys between, wrapped in objects and arrays to a random depth; the colons as given.
 */
function repeatedKeyText(
  value: fc.Arbitrary<unknown>,
  colons: { readonly restColon: string; readonly lastColon: string },
): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string(),
      value,
      value,
      fc.dictionary(fc.string(), value, { maxKeys: 4 }),
      fc.nat(3),
      fc.boolean(),
    )
    .map(([key, first, second, others, depth, spellEscaped]) => {
      const rest = Object.entries(others)
        .filter(([other]) => other !== key)
        .map(([other, v]) => `${JSON.stringify(other)}${colons.restColon}${JSON.stringify(v)}`);
      const repeated = `${spellEscaped ? escaped(key) : JSON.stringify(key)}${colons.lastColon}${JSON.stringify(second)}`;
      let text = `{${[`${JSON.stringify(key)}:${JSON.stringify(first)}`, ...rest, repeated].join(",")}}`;
      for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `{"wrap":[${text}]}` : `{"wrap":${text}}`;
      return text;
    });
}

describe("strict JSON objects", () => {
  it("accepts any object JSON.stringify makes, at any depth, and returns its value", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(parse(text)).toEqual(JSON.parse(text));
      }),
      seededRuns(1000),
    );
  });

  it("refuses an object, at any depth, that names a key twice, however the second is spelled", () => {
    fc.assert(
      fc.property(repeatedKeyText(fc.jsonValue(), { restColon: " : ", lastColon: "\n:" }), (text) => {
        expect(parse(text)).toBeUndefined();
      }),
      seededRuns(1000),
    );
  });

  it("refuses a compact object (no whitespace, as providers sign) that names a key twice, at any depth", () => {
    // Compact text takes the quick count of quote-colon pairs; values that start with ":" overcount it.
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom(":", '":', "\\", '\\":'));
    fc.assert(
      fc.property(repeatedKeyText(value, { restColon: ":", lastColon: ":" }), (text) => {
        expect(parse(text)).toBeUndefined();
      }),
      seededRuns(1000),
    );
  });

  it("accepts compact objects whose strings start with a colon or end in escaped quotes", () => {
    expect(parse('{"a":":","b":[":",":x"],"c":{"d":"\\\\"}}')).toEqual({
      a: ":",
      b: [":", ":x"],
      c: { d: "\\" },
    });
    expect(parse('{"a":"\\":"}')).toEqual({ a: '":' });
    expect(parse('{":":1,"b":":"}')).toEqual({ ":": 1, b: ":" });
  });

  it("is not fooled by quotes, colons and backslashes inside strings", () => {
    expect(parse('{"a":"\\":x","b":"\\\\","c":":"}')).toEqual({ a: '":x', b: "\\", c: ":" });
    expect(parse('{"a\\\\":1,"a\\\\":2}')).toBeUndefined();
    expect(parse('{"sub":"a","\\u0073ub":"b"}')).toBeUndefined();
    expect(parse('{"__proto__":1,"__proto__":2}')).toBeUndefined();
    expect(parse('{"__proto__":{"x":1}}')).toEqual(JSON.parse('{"__proto__":{"x":1}}'));
  });

  it("refuses what is not a JSON object, and invalid UTF-8", () => {
    for (const text of ["[]", "1", '"s"', "null", "{", '{"a":1}x', ""])
      expect(parse(text), text).toBeUndefined();
    expect(parseStrictJsonObject(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toBeUndefined();
  });

  it("handles deep nesting without running out of stack", () => {
    const depth = 5000;
    const text = `{"a":${"[".repeat(depth)}${"]".repeat(depth)},"b":${'{"c":'.repeat(100)}1${"}".repeat(100)}}`;
    expect(parse(text)).toBeDefined();
  });
});
