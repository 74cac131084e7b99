import { describe, expect, it } from "vitest";
import { editDistance } from "../../src/config/edit-distance.ts";

describe("edit distance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("SESION", "SESSION")).toBe(1);
    expect(editDistance("OIDC_SCOPES", "OIDC_SCOPE")).toBe(1);
    expect(editDistance("GROUP_CLAIM", "GROUPS_CLAIM")).toBe(1);
    expect(editDistance("CLOCK", "BLOCK")).toBe(1);
    expect(editDistance("", "ABC")).toBe(3);
  });

  it("counts a swap of two neighbouring characters as one edit", () => {
    expect(editDistance("OIDC_ISUSER", "OIDC_ISSUER")).toBe(1);
    expect(editDistance("AB", "BA")).toBe(1);
  });

  it("is zero only for equal names", () => {
    expect(editDistance("OIDC_ISSUER", "OIDC_ISSUER")).toBe(0);
    expect(editDistance("OIDC_ISSUER", "OIDC_ISSUEr")).toBe(1);
  });
});
