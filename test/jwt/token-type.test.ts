import { describe, expect, it } from "vitest";
import type { IssuerPolicy } from "../../src/config/config.ts";
import { tokenTypeOf } from "../../src/jwt/token-type.ts";

const both: IssuerPolicy = {
  name: "auth0",
  issuer: "https://tenant.auth0.test/",
  tokenTypes: ["id_token", "access_token"],
  audiences: ["https://api.example.com"],
  clientIds: ["spa-client"],
  trustedAudiences: [],
  checkAuthorizedParty: false,
  accessTokenTyp: "any",
  groupsClaim: { name: "groups", tokens: ["groups"] },
  allowedAlgorithms: ["RS256"],
  clockLeewaySeconds: 30,
};

function typeOf(declared: "jwt" | "at+jwt", aud: unknown, issuer: Partial<IssuerPolicy> = {}): string {
  const result = tokenTypeOf(declared, { aud }, { ...both, ...issuer });
  return result.ok ? result.value : `${result.failure.reason}: ${result.failure.detail}`;
}

describe("telling an ID token from an access token (RFC 8725 §3.11, RFC 9068 §2.1 and §4)", () => {
  it("takes typ at+jwt as an access token, whatever the audience", () => {
    expect(typeOf("at+jwt", "spa-client")).toBe("access_token");
    expect(typeOf("at+jwt", "x", { tokenTypes: ["id_token"] })).toBe(
      "token_type_not_allowed: an access token (typ at+jwt) where auth0 gives ID tokens only",
    );
  });

  it("takes any other typ as an ID token when the issuer types its access tokens (the default)", () => {
    const strict = { accessTokenTyp: "at+jwt" as const };
    expect(typeOf("jwt", "https://api.example.com", strict)).toBe("id_token");
    expect(typeOf("jwt", "https://api.example.com", { ...strict, tokenTypes: ["access_token"] })).toBe(
      "token_type_not_allowed: typ is not at+jwt (RFC 9068 §4), and auth0 gives access tokens only",
    );
  });

  it('lets the audience decide for an issuer of both types with access_token_typ = "any", and refuses to guess', () => {
    expect(typeOf("jwt", "spa-client")).toBe("id_token");
    expect(typeOf("jwt", ["https://api.example.com", "https://tenant.auth0.test/userinfo"])).toBe(
      "access_token",
    );
    expect(typeOf("jwt", ["spa-client", "https://api.example.com"])).toMatch(
      /^token_type_not_allowed: aud names a client id and an API/,
    );
    expect(typeOf("jwt", "someone-else")).toMatch(/^token_type_not_allowed: aud names neither/);
    expect(typeOf("jwt", 42)).toMatch(/^token_type_not_allowed/);
  });

  it('takes an untyped token as an access token for an issuer of access tokens only with access_token_typ = "any"', () => {
    expect(typeOf("jwt", "https://api.example.com", { tokenTypes: ["access_token"] })).toBe("access_token");
  });
});
