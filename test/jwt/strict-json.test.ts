import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStrictJsonObject } from "../../src/jwt/strict-json.ts";
import { seededRuns } from "../support/property-runs.ts";

const bytesOf = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseStrictJsonObject(bytesOf(text));
/** Every character of a key written as a \u escape: the same key to JSON.parse. */
const escaped = (key: string) =>
  `"${[...key].map((c) => [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")).join("")}"`;

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
      fc.property(
        fc.string(),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
        fc.nat(3),
        fc.boolean(),
        (key, first, second, others, depth, spellEscaped) => {
          const rest = Object.entries(others)
            .filter(([other]) => other !== key)
            .map(([other, value]) => `${JSON.stringify(other)} : ${JSON.stringify(value)}`);
          let text = `{${[`${JSON.stringify(key)}:${JSON.stringify(first)}`, ...rest, `${spellEscaped ? escaped(key) : JSON.stringify(key)}\n:${JSON.stringify(second)}`].join(",")}}`;
          for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `{"wrap":[${text}]}` : `{"wrap":${text}}`;
          expect(parse(text)).toBeUndefined();
        },
      ),
      seededRuns(1000),
    );
  });

  it("refuses a compact object (no whitespace, as providers sign) that names a key twice, at any depth", () => {
    // Compact text takes the quick count of quote-colon pairs; values that start with ":" overcount it.
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom(":", '":', "\\", '\\":'));
    fc.assert(
      fc.property(
        fc.string(),
        value,
        value,
        fc.dictionary(fc.string(), value, { maxKeys: 4 }),
        fc.nat(3),
        fc.boolean(),
        (key, first, second, others, depth, spellEscaped) => {
          const rest = Object.entries(others)
            .filter(([other]) => other !== key)
            .map(([other, v]) => `${JSON.stringify(other)}:${JSON.stringify(v)}`);
          let text = `{${[`${JSON.stringify(key)}:${JSON.stringify(first)}`, ...rest, `${spellEscaped ? escaped(key) : JSON.stringify(key)}:${JSON.stringify(second)}`].join(",")}}`;
          for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `{"wrap":[${text}]}` : `{"wrap":${text}}`;
          expect(parse(text)).toBeUndefined();
        },
      ),
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
