import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { stripClientHeaders } from "../../src/forward/client-headers.ts";
import {
  encodeHeaderValue,
  groupsHeaderValue,
  reservedHeaderNames,
} from "../../src/forward/identity-headers.ts";
import { seededRuns } from "../support/property-runs.ts";

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

describe("identity header values", () => {
  it("passes a plain printable value through unchanged", () => {
    for (const value of ["user-123", "Ada Lovelace", "ada@example.com", "a b", "", "~!$&'()*+/:;=?@[]^_`{|}"])
      expect(encodeHeaderValue(value)).toBe(value);
  });

  it("encodes what a plain value may not hold: %, edge spaces, controls, non-ASCII and extra characters", () => {
    expect(encodeHeaderValue("100%")).toBe("100%25");
    expect(encodeHeaderValue(" padded ")).toBe("%20padded%20");
    expect(encodeHeaderValue("a\r\nb")).toBe("a%0D%0Ab");
    expect(encodeHeaderValue("Zoë")).toBe("Zo%C3%AB");
    expect(encodeHeaderValue("a,b", ",")).toBe("a%2Cb");
    expect(encodeHeaderValue("a,b")).toBe("a,b");
  });

  it("turns any string into printable ASCII without edge spaces that decodes back to it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.constantFrom("", ","), (value, extra) => {
        const encoded = encodeHeaderValue(value, extra);
        expect(encoded).toMatch(/^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/);
        for (const char of extra) expect(encoded).not.toContain(char);
        expect(decodeURIComponent(encoded)).toBe(value);
      }),
      seededRuns(2000),
    );
  });
});

describe("the groups header", () => {
  it("is every group encoded with the comma as an extra character, joined by commas", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: "binary" }))), (groups) => {
        expect(groupsHeaderValue(groups)).toBe(groups.map((g) => encodeHeaderValue(g, ",")).join(","));
      }),
      seededRuns(2000),
    );
  });

  it("is the same whether the list takes the plain path or the per-group one (spaces, commas, % at the edges)", () => {
    const unit = fc.constantFrom("a", "b", " ", ",", "%", "-");
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 4 }), { maxLength: 6 }), (groups) => {
        expect(groupsHeaderValue(groups)).toBe(groups.map((g) => encodeHeaderValue(g, ",")).join(","));
      }),
      seededRuns(2000),
    );
  });

  it("splits back into the groups at its commas", () => {
    const groups = ["admins", "a,b", "100%", " lead", "Zoë", "ops team"];
    const value = groupsHeaderValue(groups);
    expect(value).toBe("admins,a%2Cb,100%25,%20lead,Zo%C3%AB,ops team");
    expect(value.split(",").map(decodeURIComponent)).toEqual(groups);
  });
});

describe("stripping identity headers", () => {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://issuer.test",
    OIDC_CLIENT_ID: "client-1",
    AUTH_ROUTES: [{ pattern: "*" }],
    IDENTITY_HEADERS: { sub: "Remote-User" },
    FORWARD_TOKEN_HEADER: "X-Id-Token",
  });
  if (!loaded.ok) throw new Error("test configuration is invalid");
  const config = loaded.value;

  it("removes the prefix and the configured names in any case and with _ for -, and keeps the rest", () => {
    for (let round = 0; round < 2; round++) {
      const headers = new Headers({
        "X-Auth-Sub": "root",
        x_auth_groups: "admins",
        REMOTE_USER: "root",
        "x-id-token": "forged",
        accept: "text/html",
        "x-request-id": "r-1",
      });
      stripClientHeaders(headers, reservedHeaderNames(config));
      expect([...headers.keys()]).toEqual(["accept", "x-request-id"]);
    }
  });
});
