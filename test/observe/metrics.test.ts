import { describe, expect, it } from "vitest";
import { decisionDataPoint, metricsSinkFor, NO_METRICS } from "../../src/observe/metrics.ts";
import { FakeDataset } from "../support/fake-dataset.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

describe("metrics in the AUTH_METRICS Analytics Engine dataset", () => {
  it("writes one data point per decision with the decision's fields as blobs and doubles", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token));
    await h.fetch("/private", h.bearer(token));
    await h.fetch("/public/x");
    await h.fetch("/private");
    const rows = h.metrics!.decisions();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      index1: "decision",
      event: "decision",
      outcome: "forwarded",
      reason: "",
      route: "1:*",
      issuer: "https://issuer.test",
      kid: "rsa-1",
      tier: "provider",
      credential: "bearer",
      status: 200,
    });
    expect(rows[1]).toMatchObject({ outcome: "forwarded", tier: "memory", keyAgeSeconds: 0 });
    expect(rows[2]).toMatchObject({
      outcome: "public",
      route: "0:/public/*",
      credential: "none",
      status: 200,
    });
    expect(rows[3]).toMatchObject({
      outcome: "refused",
      reason: "no_credential",
      credential: "none",
      status: 401,
    });
  });

  it("writes one data point per provider fetch with its outcome, status and duration", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => {
      h.clock.nowMs += 180;
      return new Response("bad gateway", { status: 502 });
    };
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(503);
    expect(h.metrics!.providerFetches()).toEqual([
      {
        index1: "provider_fetch",
        event: "provider_fetch",
        outcome: "ok",
        document: "discovery",
        url: "https://issuer.test/.well-known/openid-configuration",
        durationMs: 0,
        status: 200,
      },
      {
        index1: "provider_fetch",
        event: "provider_fetch",
        outcome: "http_status",
        document: "jwks",
        url: "https://issuer.test/jwks",
        durationMs: 180,
        status: 502,
      },
    ]);
    expect(h.metrics!.decisions()[0]).toMatchObject({
      outcome: "refused",
      reason: "jwks_unavailable",
      status: 503,
    });
  });

  it("counts a provider that answers with something that is not JSON, or not at all", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => new Response("<html>", { status: 200 });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token));
    h.clock.nowMs += 3600_000;
    h.issuer.discoveryResponder = () => Promise.reject(new TypeError("connection refused"));
    await h.fetch("/private", h.bearer(token));
    expect(h.metrics!.providerFetches().map((row) => `${row.document}:${row.outcome}`)).toEqual([
      "discovery:ok",
      "jwks:not_json",
      // An hour later the discovery document is stale: it still serves (and the JWKS fetch fails
      // again) while its refresh runs in the background and finds the provider gone.
      "jwks:not_json",
      "discovery:network",
    ]);
  });

  it("is a no-op when AUTH_METRICS is not bound", async () => {
    const h = await createHarness({ metrics: false });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect(metricsSinkFor(undefined, () => {})).toBe(NO_METRICS);
    expect(metricsSinkFor({ something: "else" }, () => {})).toBe(NO_METRICS);
  });

  it("never lets a failing dataset break a request, and logs the failure", async () => {
    const dataset = new FakeDataset();
    dataset.failWrites = true;
    const h = await createHarness({ metrics: dataset });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect(h.logs.filter((line) => line.event === "metrics_write_failed")).toContainEqual({
      event: "metrics_write_failed",
      error: "TypeError",
    });
    expect(h.logs.find((line) => line.event === "decision")).toMatchObject({ outcome: "forwarded" });
  });

  it("counts a broken configuration as an error decision on every request", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "admin/*" }] } });
    expect((await h.fetch("/anything")).status).toBe(500);
    expect(h.metrics!.decisions()).toEqual([
      expect.objectContaining({ outcome: "error", reason: "misconfigured", status: 500, route: "(none)" }),
    ]);
  });

  it("records an origin that throws as an error decision with the error's name, never its message", async () => {
    const h = await createHarness();
    h.origin.respond = () => {
      throw new RangeError("connect to https://origin.test/private?token=abc failed");
    };
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(502);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).not.toContain("origin.test");
    const line = h.logs.find((l) => l.event === "decision");
    expect(line).toMatchObject({
      outcome: "error",
      reason: "origin_unreachable",
      detail: "RangeError",
      status: 502,
    });
    expect(JSON.stringify(h.logs)).not.toContain("token=abc");
    expect(h.metrics!.decisions()).toEqual([
      expect.objectContaining({ outcome: "error", reason: "origin_unreachable" }),
    ]);
  });

  it("keeps a data point within Analytics Engine's limits: one index, at most 20 blobs, short strings", () => {
    const point = decisionDataPoint({
      requestId: "r",
      route: `0:/${"a".repeat(1000)}`,
      outcome: "refused",
      status: 401,
      reason: "unknown_kid",
      kid: "k".repeat(500),
      durationMs: 1,
    });
    expect(point.indexes).toEqual(["decision"]);
    expect(point.blobs!.length).toBeLessThanOrEqual(20);
    expect(point.doubles!.length).toBeLessThanOrEqual(20);
    for (const blob of point.blobs!) expect(String(blob).length).toBeLessThanOrEqual(256);
  });

  it("records the edge-auth latency apart from the origin's time", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => {
      h.clock.nowMs += 40;
      return Response.json(
        { keys: h.issuer.keys.map((k) => k.publicJwk) },
        { headers: { "cache-control": "max-age=600" } },
      );
    };
    h.origin.beforeAnswer = () => {
      h.clock.nowMs += 250;
    };
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token));
    expect(h.metrics!.decisions()[0]).toMatchObject({
      authMs: 40,
      keyLookupMs: 40,
      verifyMs: 0,
      durationMs: 290,
    });
    expect(h.logs.find((line) => line.event === "decision")).toMatchObject({ authMs: 40, durationMs: 290 });
  });
});
