import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RoutePolicy } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { sealVerifiedIdentity } from "../../src/identity.ts";
import { judgeAccess } from "../../src/policy/admit.ts";

/** Fixed, so `npm test` is reproducible; a failure prints the seed and path to replay. */
const SEED = 20_261_122;
const RUNS = 500;
const RULES = { groupsClaim: "groups", emailVerifiedRequired: true };

function route(rule: Record<string, unknown>): RoutePolicy {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://i.test",
    OIDC_CLIENT_ID: "c",
    AUTH_ROUTES: [{ pattern: "*", ...rule }],
  });
  if (!loaded.ok) throw new Error(loaded.failure.map((p) => p.message).join("; "));
  return loaded.value.routes[0]!;
}

/** Claims of a verified token with `extra` members; `undefined` leaves the member out. */
function identity(extra: Record<string, unknown>) {
  const claims: Record<string, unknown> = { iss: "https://i.test", sub: "u", exp: 1 };
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) claims[name] = value;
  return sealVerifiedIdentity(claims, "groups");
}

/** Any JSON value, with the look-alikes of the values a rule wants mixed in often. */
const lookAlikes = fc.constantFrom<unknown>(
  true,
  false,
  "true",
  "false",
  "TRUE",
  1,
  0,
  "1",
  null,
  [true],
  ["admins"],
  "admins",
  "Admins",
  "ada@example.com",
  ["ada@example.com"],
  { value: true },
  [],
  "",
);
const anyJson = fc.oneof(lookAlikes, fc.jsonValue({ maxDepth: 3 }));
const maybeAbsent = fc.option(anyJson, { nil: undefined });
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -3, max: 3 }), fc.boolean());

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe("claim rules over arbitrary JSON values (one typing rule for every claim the policy reads)", () => {
  it("an email rule matches only when email_verified is the boolean true (OIDC Core §5.1)", () => {
    const domainRule = route({ allow: { email_domains: ["example.com"] } });
    fc.assert(
      fc.property(maybeAbsent, (emailVerified) => {
        const verdict = judgeAccess(
          domainRule,
          identity({ email: "ada@example.com", email_verified: emailVerified }),
          RULES,
        );
        expect(verdict.admitted).toBe(emailVerified === true);
        if (!verdict.admitted) {
          const wrongType = emailVerified !== undefined && typeof emailVerified !== "boolean";
          expect(verdict.failure.reason).toBe(wrongType ? "claim_wrong_type" : "forbidden_by_policy");
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("with EMAIL_VERIFIED_REQUIRED = false, only an absent email_verified is added to true", () => {
    const emailRule = route({ allow: { emails: ["ada@example.com"] } });
    fc.assert(
      fc.property(maybeAbsent, (emailVerified) => {
        const verdict = judgeAccess(
          emailRule,
          identity({ email: "ada@example.com", email_verified: emailVerified }),
          { ...RULES, emailVerifiedRequired: false },
        );
        expect(verdict.admitted).toBe(emailVerified === true || emailVerified === undefined);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("an email rule matches only an email that is a string", () => {
    const emailRule = route({ allow: { emails: ["ada@example.com"] } });
    fc.assert(
      fc.property(maybeAbsent, (email) => {
        const verdict = judgeAccess(emailRule, identity({ email, email_verified: true }), RULES);
        const documented = typeof email === "string" && email.toLowerCase() === "ada@example.com";
        expect(verdict.admitted).toBe(documented);
        if (!verdict.admitted && email !== undefined && typeof email !== "string")
          expect(verdict.failure).toMatchObject({
            reason: "claim_wrong_type",
            detail: expect.stringMatching(/^email: /),
          });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a group rule matches only an array of strings or a single string naming the group", () => {
    const groupRule = route({ allow: { groups: ["admins"] } });
    fc.assert(
      fc.property(maybeAbsent, (groups) => {
        const verdict = judgeAccess(groupRule, identity({ groups }), RULES);
        const documented =
          groups === "admins" ||
          (Array.isArray(groups) && groups.every((g) => typeof g === "string") && groups.includes("admins"));
        expect(verdict.admitted).toBe(documented);
        const wrongType =
          groups !== undefined &&
          typeof groups !== "string" &&
          !(Array.isArray(groups) && groups.every((g) => typeof g === "string"));
        if (!verdict.admitted)
          expect(verdict.failure.reason).toBe(wrongType ? "claim_wrong_type" : "forbidden_by_policy");
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a require_claims entry matches only a claim of the same JSON type and value", () => {
    fc.assert(
      fc.property(scalar, fc.oneof(maybeAbsent, scalar), (expected, actual) => {
        const rule = route({ require_claims: { tenant: expected } });
        const verdict = judgeAccess(rule, identity({ tenant: actual }), RULES);
        expect(verdict.admitted).toBe(typeof actual === typeof expected && sameJson(actual, expected));
        if (!verdict.admitted) {
          const wrongType = actual !== undefined && typeof actual !== typeof expected;
          expect(verdict.failure.reason).toBe(wrongType ? "claim_wrong_type" : "forbidden_by_policy");
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
