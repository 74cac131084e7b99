import { beforeAll, describe, expect, it } from "vitest";
import { ingestJwks } from "../../src/jwks/key-set.ts";
import { verifyJws } from "../../src/jwt/verify-id-token.ts";
import { FakeIssuer } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import jwsFile from "./wycheproof/json_web_signature_test.json?raw";
import {
  defaultConfig,
  keySourceFor,
  offlineRuntime,
  publicPartOf,
  sha256Hex,
  VENDORED_SHA256,
} from "./wycheproof.ts";

interface JwsCase {
  readonly tcId: number;
  readonly comment: string;
  readonly jws: string | Record<string, unknown>;
  readonly result: "valid" | "invalid";
  readonly flags: readonly string[];
}
interface JwsGroup {
  readonly comment: string;
  readonly private?: Record<string, unknown>;
  readonly public?: Record<string, unknown>;
  readonly tests: readonly JwsCase[];
}

const file = JSON.parse(jwsFile) as { numberOfTests: number; testGroups: JwsGroup[] };
const groups = file.testGroups;
const cases = groups.flatMap((group, groupIndex) => group.tests.map((test) => ({ ...test, groupIndex })));

/**
 * Every case where edge-auth's verdict differs from the file's, with the reason. The test fails if a
 * listed case agrees (the table must stay exact) or an unlisted one disagrees. tcIds 346, 347, 349,
 * 350, 351, 367, 370, 372 and 373 are known data bugs upstream.
 */
const HMAC_BY_DESIGN =
  "valid HS256 JWS: edge-auth verifies only asymmetric signatures with the issuer's published keys; HMAC is not in its allow-list (nor configurable) and a symmetric key in a JWKS is dropped";
const DISAGREEMENTS: Readonly<Record<number, string>> = {
  1: HMAC_BY_DESIGN,
  346: "data bug: the key's alg is PS256 but the token's alg is PS384 (RFC 7520 Figure 20); a key whose alg differs from the token's may not verify it (RFC 7517 §4.4)",
  347: 'data bug: the key says alg "ES521", which no JWA names (ES512 is P-521), so ingestion drops the key',
  348: HMAC_BY_DESIGN,
  349: 'data bug: key_ops is ["sign, verify"] (one string), which does not allow "verify", so ingestion drops the key',
  350: "data bug: as 346, the key's alg PS256 does not fit the token's PS384",
  351: 'data bug: as 347, the key\'s alg "ES521" is no JWA algorithm',
  352: HMAC_BY_DESIGN,
  357: HMAC_BY_DESIGN,
  358: HMAC_BY_DESIGN,
  359: HMAC_BY_DESIGN,
  372: `data bug and by design: a '?' inside the header is not base64url (RFC 7515 §2 allows no other characters); besides, ${HMAC_BY_DESIGN}`,
  373: `data bug and by design: a '?' inside the payload is not base64url; besides, ${HMAC_BY_DESIGN}`,
  376: HMAC_BY_DESIGN,
  377: HMAC_BY_DESIGN,
};

interface Outcome {
  readonly verdict: "valid" | "invalid";
  readonly reason: string;
}
const outcomes = new Map<number, Outcome>();
const droppedKeyReasons = new Map<number, readonly string[]>();

describe("Project Wycheproof json_web_signature_test.json at the JWS verifier", () => {
  beforeAll(async () => {
    const config = defaultConfig();
    const rt = offlineRuntime();
    for (const [groupIndex, group] of groups.entries()) {
      // The issuer publishes the group's key without its private members. A symmetric key is served as
      // is (with "k"): there is no public part of an HMAC key, and ingestion must drop it anyway.
      const jwk = (group.private ?? group.public) as Record<string, unknown>;
      const published = jwk.kty === "oct" ? jwk : publicPartOf(jwk);
      const { source, dropped } = await keySourceFor({ keys: [published] });
      droppedKeyReasons.set(
        groupIndex,
        dropped.map((entry) => entry.reason),
      );
      for (const test of group.tests) {
        const token = typeof test.jws === "string" ? test.jws : JSON.stringify(test.jws);
        const result = await verifyJws(token, config, source, rt);
        outcomes.set(
          test.tcId,
          result.ok
            ? { verdict: "valid", reason: "ok" }
            : { verdict: "invalid", reason: result.failure.reason },
        );
      }
    }
  });

  it("reads the vendored file, unedited (sha256 pinned)", async () => {
    expect(await sha256Hex(jwsFile)).toBe(VENDORED_SHA256["json_web_signature_test.json"]);
    expect(cases).toHaveLength(file.numberOfTests);
    expect(cases).toHaveLength(401);
  });

  it.each(cases)("tcId $tcId ($comment): the file's verdict $result, or a listed disagreement", (test) => {
    const outcome = outcomes.get(test.tcId);
    expect(outcome).toBeDefined();
    const listed = DISAGREEMENTS[test.tcId];
    if (listed === undefined) expect(outcome?.verdict, `reason ${outcome?.reason}`).toBe(test.result);
    else expect(outcome?.verdict, listed).not.toBe(test.result);
  });

  it("counts 401 cases: 386 agreed, 15 disagreed, each disagreement with a reason", () => {
    const disagreed = cases.filter((test) => outcomes.get(test.tcId)?.verdict !== test.result);
    expect(outcomes.size).toBe(401);
    expect(disagreed.map((test) => test.tcId)).toEqual(
      Object.keys(DISAGREEMENTS)
        .map(Number)
        .sort((a, b) => a - b),
    );
    expect(cases.length - disagreed.length).toBe(386);
    // Every disagreement is a rejection of a case the file calls valid: edge-auth never accepts more.
    expect(disagreed.every((test) => test.result === "valid")).toBe(true);
  });

  it("refuses alg none in every spelling, and HMAC before a key is looked at", () => {
    for (const tcId of [16, 341, 342, 343, 344]) expect(outcomes.get(tcId)?.reason).toBe("alg_not_allowed");
    for (const tcId of [1, 31, 348, 357, 376]) expect(outcomes.get(tcId)?.reason).toBe("alg_not_allowed");
  });

  it("drops every symmetric key and every key meant for encryption when the JWKS is ingested", () => {
    const reasonsFor = (comment: string) =>
      groups.flatMap((group, index) => (group.comment === comment ? [droppedKeyReasons.get(index)] : []));
    for (const reasons of [...reasonsFor("hs256"), ...reasonsFor("base64")])
      expect(reasons).toEqual(["symmetric key"]);
    for (const reasons of [...reasonsFor("rsa_encryption"), ...reasonsFor("ec_key_for_encryption")])
      expect(reasons).toHaveLength(1);
  });

  it("ignores an attacker's embedded jwk header and checks the issuer's key instead (tcId 32)", () => {
    expect(outcomes.get(32)).toEqual({ verdict: "invalid", reason: "bad_signature" });
  });

  it("refuses every special ECDSA r and s, r = s = 0 included (CVE-2022-21449, tcIds 379-401)", () => {
    for (let tcId = 379; tcId <= 401; tcId++) expect(outcomes.get(tcId)?.verdict).toBe("invalid");
    expect(outcomes.get(386)?.reason).toBe("bad_signature");
  });
});

describe("Project Wycheproof json_web_signature_test.json through the worker", () => {
  it("answers all 401 cases 401 or 400 with a reason in the log, never calls the origin, never a 5xx", async () => {
    const statuses: Record<number, number> = {};
    for (const group of groups) {
      const jwk = (group.private ?? group.public) as Record<string, unknown>;
      const published = jwk.kty === "oct" ? jwk : publicPartOf(jwk);
      const issuer = new FakeIssuer([]);
      issuer.jwksResponder = () => Response.json({ keys: [published] });
      const h = await createHarness({ issuer });
      // A JWKS in which no key survives ingestion counts as the provider failing: 503, never 401.
      const unusableSet = (await ingestJwks({ keys: [published] }))?.keySet.keys.length === 0;
      for (const test of group.tests) {
        const token = typeof test.jws === "string" ? test.jws : JSON.stringify(test.jws);
        const before = h.logs.length;
        const res = await h.fetch("/private", { headers: { authorization: `Bearer ${token}` } });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        expect(unusableSet ? [400, 401, 503] : [400, 401], `tcId ${test.tcId}`).toContain(res.status);
        const decision = h.logs.slice(before).find((line) => line.event === "decision");
        expect(decision?.reason, `tcId ${test.tcId}`).toEqual(expect.any(String));
      }
      expect(h.originCalls).toHaveLength(0);
      expect(h.outbound.every((url) => url.startsWith("https://issuer.test/"))).toBe(true);
    }
    // 16 break the RFC 6750 grammar (JSON serialization, spaces, '?', '#', empty): 400; the rest 401.
    // Those served a JWKS whose only key is dropped at ingestion would be 503, but their payloads name
    // no configured issuer: refused (issuer_not_allowed) before any key is looked up.
    expect(statuses).toEqual({ 400: 16, 401: 385 });
  });
});
