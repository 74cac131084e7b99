import { describe, expect, it } from "vitest";
import { encodeHeaderValue } from "../../src/forward/identity-headers.ts";

describe("encoding claims as header values", () => {
  it("passes printable ASCII through unchanged", () => {
    expect(encodeHeaderValue("Ada Lovelace <ada@example.com>")).toBe("Ada Lovelace <ada@example.com>");
  });

  it("percent-encodes CR, LF, NUL, %, non-ASCII and lone surrogates so the header can neither split nor throw", () => {
    expect(encodeHeaderValue("a\r\nb\u0000%")).toBe("a%0D%0Ab%00%25");
    expect(encodeHeaderValue("Zoë 😀")).toBe("Zo%C3%AB %F0%9F%98%80");
    expect(encodeHeaderValue("x\uD800y")).toBe("x%EF%BF%BDy");
    expect(() => new Headers({ "x-test": encodeHeaderValue("\r\n\u2028\uDFFF") })).not.toThrow();
  });

  it("keeps leading and trailing spaces visible and round-trips through decodeURIComponent", () => {
    const value = "  padded\tname  ";
    const encoded = encodeHeaderValue(value);
    expect(encoded).toBe("%20%20padded%09name%20%20");
    expect(decodeURIComponent(encoded)).toBe(value);
  });
});
