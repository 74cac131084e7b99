import { describe, expect, it } from "vitest";
import { type ClaimExpectations, checkIdTokenClaims } from "../../src/jwt/claims.ts";

const NOW = 1_800_000_000;
const expectations: ClaimExpectations = {
  issuer: "https://issuer.test",
  clientIds: ["client-1"],
  trustedAudiences: ["partner-api"],
  checkAuthorizedParty: true,
  clockLeewaySeconds: 30,
  maxTokenLifetimeSeconds: 86_400,
};
const base = { iss: "https://issuer.test", sub: "user-1", aud: "client-1", exp: NOW + 600, iat: NOW - 10 };

function reasonFor(claims: Record<string, unknown>, expect: Partial<ClaimExpectations> = {}): string {
  const result = checkIdTokenClaims(claims, { ...expectations, ...expect }, NOW);
  return result.ok ? "ok" : result.failure.reason;
}

describe("ID Token claim rules (OIDC Core §3.1.3.7)", () => {
  it("accepts claims that satisfy every rule", () => {
    expect(reasonFor(base)).toBe("ok");
  });

  it("rule 2: iss must equal the issuer exactly — no trailing slash, no case folding", () => {
    expect(reasonFor({ ...base, iss: "https://issuer.test/" })).toBe("claim_mismatch:iss");
    expect(reasonFor({ ...base, iss: "https://ISSUER.test" })).toBe("claim_mismatch:iss");
    expect(reasonFor({ ...base, iss: undefined })).toBe("claim_missing:iss");
  });

  it("§2: sub is required, a non-empty string of at most 255 characters", () => {
    expect(reasonFor({ ...base, sub: undefined })).toBe("claim_missing:sub");
    expect(reasonFor({ ...base, sub: "" })).toBe("claim_invalid:sub");
    expect(reasonFor({ ...base, sub: 42 })).toBe("claim_invalid:sub");
    expect(reasonFor({ ...base, sub: "x".repeat(256) })).toBe("claim_invalid:sub");
    expect(reasonFor({ ...base, sub: "x".repeat(255) })).toBe("ok");
  });

  it("rule 3: aud must contain the client id", () => {
    expect(reasonFor({ ...base, aud: "other" })).toBe("claim_mismatch:aud");
    expect(reasonFor({ ...base, aud: ["client-1"] })).toBe("ok");
    expect(reasonFor({ ...base, aud: [] })).toBe("claim_invalid:aud");
    expect(reasonFor({ ...base, aud: [1] })).toBe("claim_invalid:aud");
    expect(reasonFor({ ...base, aud: undefined })).toBe("claim_missing:aud");
  });

  it("rule 3: an extra audience must be trusted", () => {
    expect(reasonFor({ ...base, aud: ["client-1", "stranger"], azp: "client-1" })).toBe("claim_mismatch:aud");
    expect(reasonFor({ ...base, aud: ["client-1", "partner-api"], azp: "client-1" })).toBe("ok");
  });

  it("rules 4-5: several audiences need azp, and azp must be the client id", () => {
    expect(reasonFor({ ...base, aud: ["client-1", "partner-api"] })).toBe("claim_missing:azp");
    expect(reasonFor({ ...base, azp: "someone-else" })).toBe("claim_mismatch:azp");
    expect(reasonFor({ ...base, azp: "client-1" })).toBe("ok");
  });

  it("rule 9 / RFC 7519 §4.1.4: exp is required, numeric, and honoured with leeway", () => {
    expect(reasonFor({ ...base, exp: undefined })).toBe("claim_missing:exp");
    expect(reasonFor({ ...base, exp: String(NOW + 600) })).toBe("claim_invalid:exp");
    expect(reasonFor({ ...base, exp: Number.POSITIVE_INFINITY })).toBe("claim_invalid:exp");
    expect(reasonFor({ ...base, exp: -1 })).toBe("claim_invalid:exp");
    expect(reasonFor({ ...base, exp: NOW - 29 })).toBe("ok");
    expect(reasonFor({ ...base, exp: NOW - 30 })).toBe("expired");
  });

  it("refuses an exp absurdly far ahead (more than the configured maximum lifetime)", () => {
    expect(reasonFor({ ...base, exp: NOW + 86_400 })).toBe("ok");
    expect(reasonFor({ ...base, exp: NOW + 86_401 })).toBe("claim_invalid:exp");
  });

  it("rule 10: iat is required and may not be in the future beyond the leeway", () => {
    expect(reasonFor({ ...base, iat: undefined })).toBe("claim_missing:iat");
    expect(reasonFor({ ...base, iat: "yesterday" })).toBe("claim_invalid:iat");
    expect(reasonFor({ ...base, iat: NOW + 30 })).toBe("ok");
    expect(reasonFor({ ...base, iat: NOW + 31 })).toBe("claim_invalid:iat");
  });

  it("RFC 7519 §4.1.5: nbf is honoured with leeway", () => {
    expect(reasonFor({ ...base, nbf: NOW + 30 })).toBe("ok");
    expect(reasonFor({ ...base, nbf: NOW + 31 })).toBe("not_yet_valid");
    expect(reasonFor({ ...base, nbf: "soon" })).toBe("claim_invalid:nbf");
  });

  it("rule 11: at the callback, nonce must equal the one sent", () => {
    expect(reasonFor({ ...base, nonce: "n-1" }, { nonce: "n-1" })).toBe("ok");
    expect(reasonFor({ ...base, nonce: "n-2" }, { nonce: "n-1" })).toBe("claim_mismatch:nonce");
    expect(reasonFor(base, { nonce: "n-1" })).toBe("claim_missing:nonce");
  });

  it("rule 13: with max_age, auth_time is required and bounds the authentication's age", () => {
    expect(reasonFor(base, { maxAgeSeconds: 300 })).toBe("claim_missing:auth_time");
    expect(reasonFor({ ...base, auth_time: NOW - 300 }, { maxAgeSeconds: 300 })).toBe("ok");
    expect(reasonFor({ ...base, auth_time: NOW - 331 }, { maxAgeSeconds: 300 })).toBe(
      "claim_invalid:auth_time",
    );
  });
});
