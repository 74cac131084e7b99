import { describe, expect, it } from "vitest";
import {
  FakeIssuer,
  makeSigningKey,
  type SigningKey,
  signToken,
  validClaims,
} from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

interface Scenario {
  readonly name: string;
  readonly cron: boolean;
  /** Seconds into the hour when the provider publishes the new key. */
  readonly publishAt: number;
  /** Seconds into the hour when the provider starts signing with it. */
  readonly signAt: number;
}

interface Report {
  requests: number;
  rejected: number;
  waitedForProvider: number;
  providerFetches: number;
  discoveryFetches: number;
  jwksFetches: number;
  byTrigger: Record<string, number>;
}

const HOUR_SECONDS = 3600;
const STEP_SECONDS = 10;
const TOKEN_REUSE_SECONDS = 240;
/** The old key leaves the JWKS when no token signed with it can still be valid. */
const RETIRE_AT = 50 * 60;

/**
 * One simulated hour on a frozen clock: three isolates of one location sharing KV, one request every
 * 10 s (each client reuses its token for 4 minutes, so renewals drift against the cron), the provider's JWKS at max-age=600 and its
 * discovery at max-age=3600, a key rotation, and the cron every 5 minutes when enabled.
 */
async function simulateHour(scenario: Scenario): Promise<Report> {
  const keyA = await makeSigningKey("RS256", "key-a");
  const keyB = await makeSigningKey("ES256", "key-b");
  const issuer = new FakeIssuer([keyA]);
  const first = await createHarness({ issuer });
  const isolates: Harness[] = [first];
  for (let i = 1; i < 3; i++)
    isolates.push(await createHarness({ issuer, clock: first.clock, keepKv: true }));
  const start = first.clock.nowMs;
  const held: { token: string; issuedAt: number }[] = [];
  let signing: SigningKey = keyA;

  for (let t = 0; t < HOUR_SECONDS; t += STEP_SECONDS) {
    first.clock.nowMs = start + t * 1000;
    if (t === scenario.publishAt) issuer.keys = [keyA, keyB];
    if (t === scenario.signAt) signing = keyB;
    if (t === RETIRE_AT) issuer.keys = [keyB];
    if (scenario.cron && t % 300 === 0) await first.scheduled();
    const client = (t / STEP_SECONDS) % isolates.length;
    const current = held[client];
    if (!current || t - current.issuedAt >= TOKEN_REUSE_SECONDS)
      held[client] = { token: await signToken(signing, validClaims(first.nowSeconds())), issuedAt: t };
    const isolate = isolates[client]!;
    await isolate.fetch("/private", isolate.bearer(held[client]!.token));
  }

  const decisions = isolates.flatMap((h) => h.events("decision"));
  const fetchLines = isolates.flatMap((h) => h.events("key_fetch"));
  const byTrigger: Record<string, number> = {};
  for (const line of fetchLines) byTrigger[String(line.trigger)] = (byTrigger[String(line.trigger)] ?? 0) + 1;
  return {
    requests: decisions.length,
    rejected: decisions.filter((line) => line.status !== 200).length,
    waitedForProvider: decisions.filter((line) => line.tier === "provider").length,
    providerFetches: issuer.providerFetchCount(),
    discoveryFetches: issuer.discoveryFetchCount(),
    jwksFetches: issuer.jwksFetchCount(),
    byTrigger,
  };
}

describe("one simulated hour with a key rotation (3 isolates, a request every 10 s)", () => {
  it("rejects no valid token and keeps every request off the provider when the rotation is announced and the cron runs", async () => {
    const report = await simulateHour({ name: "announced, cron", cron: true, publishAt: 900, signAt: 1800 });
    console.log(`[measured] 1 h, rotation announced 15 min ahead, cron */5: ${JSON.stringify(report)}`);
    expect(report.requests).toBe(360);
    expect(report.rejected).toBe(0);
    expect(report.waitedForProvider).toBe(0);
    // 12 cron runs: each refreshes the JWKS (max-age 600 ≤ refresh-ahead 600); discovery at 0 and 50 min.
    expect(report.byTrigger).toEqual({ cron: 14 });
    expect([report.jwksFetches, report.discoveryFetches]).toEqual([12, 2]);
  }, 30_000);

  it("rejects no valid token when the provider signs with a key it has just published, with one forced fetch", async () => {
    const report = await simulateHour({
      name: "unannounced, cron",
      cron: true,
      publishAt: 1910,
      signAt: 1910,
    });
    console.log(`[measured] 1 h, rotation unannounced at 31:50, cron */5: ${JSON.stringify(report)}`);
    expect(report.rejected).toBe(0);
    // The first token signed with the new key forces one fetch; the other isolates find it in KV.
    expect(report.byTrigger).toEqual({ cron: 14, unknown_kid: 1 });
    expect(report.waitedForProvider).toBe(1);
  }, 30_000);

  it("rejects no valid token without the cron either, fetching only behind stale responses", async () => {
    const report = await simulateHour({
      name: "unannounced, no cron",
      cron: false,
      publishAt: 1910,
      signAt: 1910,
    });
    console.log(`[measured] 1 h, rotation unannounced at 31:50, no cron: ${JSON.stringify(report)}`);
    expect(report.rejected).toBe(0);
    // The first isolate loads cold (discovery + JWKS), the others from KV; stale sets refresh behind.
    expect(report.byTrigger).toEqual({ cold: 2, stale: 5, unknown_kid: 1 });
    expect(report.waitedForProvider).toBe(2);
  }, 30_000);
});

describe("a cold isolate", () => {
  it("asks the provider twice (discovery and JWKS) with empty KV, and not at all with warm KV", async () => {
    const issuer = new FakeIssuer([await makeSigningKey("RS256", "key-a")]);
    const cold = await createHarness({ issuer });
    const token = await signToken(issuer.keys[0]!, validClaims(cold.nowSeconds()));
    expect((await cold.fetch("/private", cold.bearer(token))).status).toBe(200);
    const withEmptyKv = issuer.providerFetchCount();
    const second = await createHarness({ issuer, clock: cold.clock, keepKv: true });
    expect((await second.fetch("/private", second.bearer(token))).status).toBe(200);
    const withWarmKv = issuer.providerFetchCount() - withEmptyKv;
    console.log(
      `[measured] cold isolate: ${withEmptyKv} provider fetches with empty KV, ${withWarmKv} with warm KV`,
    );
    expect([withEmptyKv, withWarmKv]).toEqual([2, 0]);
  });
});
