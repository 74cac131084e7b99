import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RoutePolicy } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { judgeAccess } from "../../src/policy/admit.ts";
import { topLevelClaim } from "../../src/policy/claim-path.ts";
import { identityOf } from "../support/identity.ts";

/** Fixed, so `npm test` is reproducible; a failure prints the seed and path to replay. */
const SEED = 20_261_122;
const RUNS = 500;
const RULES = { groupsClaim: topLevelClaim("groups"), emailVerifiedRequired: true };

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
  return identityOf(claims, topLevelClaim("groups"));
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

  it("a require_claims entry matches a scalar of the same JSON type and value, an array holding one, any listed value", () => {
    const values = fc.oneof(
      scalar.map((value) => [value]),
      fc.array(scalar, { minLength: 1, maxLength: 3 }),
    );
    const claim = fc.oneof(maybeAbsent, scalar, fc.array(fc.oneof(scalar, anyJson), { maxLength: 4 }));
    fc.assert(
      fc.property(values, claim, (anyOf, actual) => {
        const expected = anyOf.length === 1 ? anyOf[0] : anyOf;
        const rule = route({ require_claims: { tenant: expected } });
        const verdict = judgeAccess(rule, identity({ tenant: actual }), RULES);
        const types = new Set<string>(anyOf.map((value) => typeof value));
        const ofListedType = (value: unknown) =>
          value !== null && !Array.isArray(value) && types.has(typeof value);
        const listed = (value: unknown) =>
          anyOf.some((wanted) => sameJson(wanted, value) && typeof wanted === typeof value);
        const members = Array.isArray(actual) ? actual : [actual];
        const wrongType = actual !== undefined && !members.every(ofListedType);
        expect(verdict.admitted).toBe(actual !== undefined && !wrongType && members.some(listed));
        if (!verdict.admitted)
          expect(verdict.failure.reason).toBe(wrongType ? "claim_wrong_type" : "forbidden_by_policy");
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a JSON Pointer reads the member at its path, whatever characters the names hold (RFC 6901 §4)", () => {
    const nameChars = fc.constantFrom("a", "b", "~", "/", "0", "1", ":", ".", "-", "é");
    const memberName = fc.string({ unit: nameChars, minLength: 1, maxLength: 4 });
    const escapeName = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");
    fc.assert(
      fc.property(fc.array(memberName, { minLength: 1, maxLength: 4 }), scalar, (names, value) => {
        // Built with own data properties only, so a name such as "__proto__" is a member like any other.
        const nested = names.reduceRight<unknown>(
          (inner, name) => Object.fromEntries([[name, inner]]),
          value,
        );
        const pointer = `/${names.map(escapeName).join("/")}`;
        const rule = route({ require_claims: { [pointer]: value } });
        const outer = nested as Record<string, unknown>;
        expect(judgeAccess(rule, identity(outer), RULES).admitted).toBe(true);
        // The same value one level deeper, or under a sibling, is not at the path.
        const deeper = names.reduceRight<unknown>((inner, name) => Object.fromEntries([[name, inner]]), {
          x: value,
        });
        expect(judgeAccess(rule, identity(deeper as Record<string, unknown>), RULES).admitted).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a JSON Pointer enters an array only by a canonical decimal index within its length", () => {
    const token = fc.oneof(
      fc.nat({ max: 5 }).map(String),
      fc.constantFrom("-", "01", "00", "+1", "1.0", "1e0", " 1", "0x1", "length"),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 3 }), { maxLength: 4 }), token, (roles, index) => {
        const target = "wanted";
        const claims = { realm_access: { roles: [...roles, target] } };
        const rule = route({ require_claims: { [`/realm_access/roles/${index}`]: target } });
        const canonical = /^(0|[1-9][0-9]*)$/.test(index);
        const at = canonical ? claims.realm_access.roles[Number(index)] : undefined;
        expect(judgeAccess(rule, identity(claims), RULES).admitted).toBe(at === target);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
