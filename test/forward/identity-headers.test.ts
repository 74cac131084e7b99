import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { encodeHeaderValue, stripIdentityHeaders } from "../../src/forward/identity-headers.ts";

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
      { numRuns: 2000 },
    );
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
      stripIdentityHeaders(headers, config);
      expect([...headers.keys()]).toEqual(["accept", "x-request-id"]);
    }
  });
});
