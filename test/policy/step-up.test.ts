import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { judgeStepUp, type StepUpRequirement } from "../../src/policy/step-up.ts";
import { describeStepUp } from "../../src/policy/step-up-wording.ts";

const NOW = 1_800_000_000;
const LEEWAY = 30;
const ALL: StepUpRequirement = { acr: ["urn:a", "urn:b"], amr: ["mfa", "hwk"], maxAgeSeconds: 300 };
const GOOD = { acr: "urn:b", amr: ["pwd", "hwk"], auth_time: NOW - 300 };

describe("judging a step-up requirement", () => {
  it("is satisfied by any listed acr, any listed amr and an auth_time within max_age (plus leeway)", () => {
    expect(judgeStepUp(ALL, GOOD, NOW, LEEWAY)).toEqual({ satisfied: true });
    expect(judgeStepUp(ALL, { ...GOOD, auth_time: NOW - 330 }, NOW, LEEWAY).satisfied).toBe(true);
    expect(judgeStepUp(undefined, {}, NOW, LEEWAY).satisfied).toBe(true);
  });

  it("says which parts fell short, and why, without any claim's value", () => {
    const verdict = judgeStepUp(
      ALL,
      { acr: "urn:secret-level", amr: "mfa", auth_time: NOW - 331 },
      NOW,
      LEEWAY,
    );
    expect(verdict).toEqual({
      satisfied: false,
      shortfall: {
        requirement: ALL,
        acrUnmet: true,
        amrUnmet: true,
        tooOld: true,
        detail: "acr: not listed; amr: string, not array of strings; auth_time: too old",
      },
    });
  });

  it("never reads an inherited property as a claim", () => {
    const claims = Object.create({ acr: "urn:a", amr: ["mfa"], auth_time: NOW }) as Record<string, unknown>;
    const verdict = judgeStepUp(ALL, claims, NOW, LEEWAY);
    expect(verdict.satisfied).toBe(false);
  });

  it("never matches a missing or wrongly typed acr, amr or auth_time, whatever it holds", () => {
    const notAString = fc.oneof(
      fc.constant(undefined),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.constantFrom("urn:a", "urn:b")),
      fc.dictionary(fc.string(), fc.string()),
    );
    const notStringArray = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom("mfa", "hwk"),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.constant(["mfa"]))),
      fc.tuple(fc.constant("mfa"), fc.integer()),
      fc.record({ 0: fc.constant("mfa") }),
    );
    const notATime = fc.oneof(
      fc.constant(undefined),
      fc.constant(String(NOW)),
      fc.constant(null),
      fc.boolean(),
      fc.constant([NOW]),
      fc.integer({ min: NOW + LEEWAY + 1 }),
    );
    fc.assert(
      fc.property(notAString, notStringArray, notATime, (acr, amr, authTime) => {
        const only = (claim: Record<string, unknown>) => ({ ...GOOD, ...claim });
        expect(judgeStepUp({ acr: ["urn:a", "urn:b"] }, only({ acr }), NOW, LEEWAY).satisfied).toBe(false);
        expect(judgeStepUp({ amr: ["mfa", "hwk"] }, only({ amr }), NOW, LEEWAY).satisfied).toBe(false);
        expect(
          judgeStepUp({ maxAgeSeconds: 300 }, only({ auth_time: authTime }), NOW, LEEWAY).satisfied,
        ).toBe(false);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});

describe("saying what a requirement needs", () => {
  it("puts acr, amr and max_age in plain words", () => {
    expect(describeStepUp(ALL)).toBe(
      "a sign-in with multi-factor authentication or a hardware-protected key (amr mfa or hwk) and the authentication level urn:a or urn:b (acr) within the last 5 minutes",
    );
    expect(describeStepUp({ maxAgeSeconds: 3600 })).toBe("a sign-in within the last hour");
    expect(describeStepUp({ maxAgeSeconds: 90 })).toBe("a sign-in within the last 90 seconds");
    expect(describeStepUp({ amr: ["x-custom"] })).toBe("a sign-in with the method x-custom (amr x-custom)");
  });
});
