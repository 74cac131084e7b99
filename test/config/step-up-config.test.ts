import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { configProblemsOver } from "../support/config-problems.ts";

const base = { OIDC_ISSUER: "https://login.example.com", OIDC_CLIENT_ID: "site" };
const problems = configProblemsOver(base);

describe("step-up route fields in the configuration", () => {
  it("compiles require_acr, require_amr and max_age into the route's requirement", () => {
    const result = loadConfig({
      ...base,
      AUTH_ROUTES: JSON.stringify([
        {
          pattern: "/admin/*",
          require_acr: ["urn:example:mfa", "urn:example:mfa"],
          require_amr: ["mfa", "hwk"],
          max_age: 300,
        },
        { pattern: "*" },
      ]),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.routes[0]!.stepUp).toEqual({
      acr: ["urn:example:mfa"],
      amr: ["mfa", "hwk"],
      maxAgeSeconds: 300,
    });
    expect(result.value.routes[1]!.stepUp).toBeUndefined();
  });

  it("reports every bad value at once, each with its path and the fix", () => {
    expect(
      problems({
        AUTH_ROUTES: [
          { pattern: "/a", require_acr: [] },
          { pattern: "/b", require_amr: ["mfa", ""] },
          { pattern: "/c", require_acr: "urn:example:mfa" },
          { pattern: "/d", max_age: 0 },
          { pattern: "/e", max_age: 1.5 },
          { pattern: "/f", max_age: "300" },
          { pattern: "/g", max_age: 31 * 24 * 3600 },
          { pattern: "/h", require_acr: ["urn:a urn:b"] },
          { pattern: "/i", require_amr: ['say "mfa"'] },
        ],
      }),
    ).toEqual([
      'AUTH_ROUTES[0].require_acr: must list at least one value, e.g. ["urn:example:mfa"]; or remove it',
      "AUTH_ROUTES[1].require_amr[1]: must be printable ASCII without spaces, quotes or backslashes",
      'AUTH_ROUTES[2].require_acr: must be a list of strings, e.g. ["urn:example:mfa"]',
      "AUTH_ROUTES[3].max_age: must be at least 1 second",
      "AUTH_ROUTES[4].max_age: must be a whole number of seconds, e.g. 300",
      "AUTH_ROUTES[5].max_age: must be a whole number of seconds, e.g. 300",
      "AUTH_ROUTES[6].max_age: must be at most 2592000 seconds (30 days)",
      "AUTH_ROUTES[7].require_acr[0]: must be printable ASCII without spaces, quotes or backslashes",
      "AUTH_ROUTES[8].require_amr[0]: must be printable ASCII without spaces, quotes or backslashes",
    ]);
  });

  it("refuses step-up fields on a public route, naming each field", () => {
    expect(
      problems({
        AUTH_ROUTES: [
          { pattern: "/", access: "public", require_acr: ["urn:example:mfa"], max_age: 300 },
          { pattern: "/docs/*", access: "public", require_amr: ["mfa"] },
          { pattern: "*" },
        ],
      }),
    ).toEqual([
      'AUTH_ROUTES[0].require_acr: cannot be used on a public route (access = "public" checks no identity); remove require_acr, or remove access = "public"',
      'AUTH_ROUTES[0].max_age: cannot be used on a public route (access = "public" checks no identity); remove max_age, or remove access = "public"',
      'AUTH_ROUTES[1].require_amr: cannot be used on a public route (access = "public" checks no identity); remove require_amr, or remove access = "public"',
    ]);
  });

  it("names the step-up fields among the known keys of a route rule", () => {
    expect(problems({ AUTH_ROUTES: [{ pattern: "*", require_acrs: ["x"] }] })).toEqual([
      'AUTH_ROUTES[0].require_acrs: unknown key "require_acrs"; known: pattern, access, unauthenticated, allow, require_claims, assertion_audience, require_acr, require_amr, max_age, host, require_dpop, issuers, require_scopes, refuse_replayed',
    ]);
  });
});
