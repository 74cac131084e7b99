import { describe, expect, it } from "vitest";
import { readBearer } from "../../src/http/bearer.ts";

const read = (value?: string) => readBearer(new Headers(value === undefined ? {} : { authorization: value }));

describe("reading a bearer credential (RFC 6750 §2.1)", () => {
  it("reads a token after the case-insensitive scheme", () => {
    expect(read("Bearer abc.def.ghi")).toEqual({ kind: "bearer", token: "abc.def.ghi" });
    expect(read("bearer abc")).toEqual({ kind: "bearer", token: "abc" });
    expect(read("Bearer a+b/c==")).toEqual({ kind: "bearer", token: "a+b/c==" });
  });

  it("counts a missing header or another scheme as no credential", () => {
    expect(read()).toEqual({ kind: "none" });
    expect(read("Basic dXNlcjpwYXNz")).toEqual({ kind: "none" });
  });

  it("calls a Bearer header that breaks the b64token grammar malformed", () => {
    for (const value of [
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Bearer a, Bearer b",
      "Bearer a=b",
      "Bearer a\tb",
      "Bearer\ta",
    ]) {
      expect(read(value), value).toEqual({ kind: "malformed" });
    }
  });
});
