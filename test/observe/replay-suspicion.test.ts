import { describe, expect, it } from "vitest";
import { addressPrefix, ReplaySuspicion } from "../../src/observe/replay-suspicion.ts";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const NETWORKS = ["203.0.113.5", "198.51.100.7", "192.0.2.9", "100.64.1.2", "100.65.1.2"];

function from(h: Harness, token: string, address: string, cf?: Record<string, unknown>): RequestInit {
  return { ...h.bearer(token, { "cf-connecting-ip": address }), ...(cf ? { cf } : {}) };
}

async function tokenFor(h: Harness): Promise<string> {
  return signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { jti: "grant-1" }));
}

describe("replay suspicion for bearer tokens and sessions", () => {
  it("records nothing while a token is used from up to REPLAY_NETWORK_THRESHOLD networks", async () => {
    const h = await createHarness();
    const token = await tokenFor(h);
    for (const address of NETWORKS.slice(0, 3))
      expect((await h.fetch("/a", from(h, token, address))).status).toBe(200);
    // Another address in a /24 already seen is the same network.
    expect((await h.fetch("/a", from(h, token, "203.0.113.200"))).status).toBe(200);
    expect(h.events("token_replay_suspected")).toHaveLength(0);
  });

  it("records token_replay_suspected once when a token passes the threshold, without token or address", async () => {
    const h = await createHarness();
    const token = await tokenFor(h);
    for (const address of NETWORKS) expect((await h.fetch("/a", from(h, token, address))).status).toBe(200);
    await h.fetch("/a", from(h, token, NETWORKS[4]!));
    const events = h.events("token_replay_suspected");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "recorded", credential: "bearer", networks: 4, threshold: 3 });
    expect(events[0]!.credential_id).toMatch(/^[0-9a-f]{8}$/);
    const logged = JSON.stringify(h.logs);
    expect(logged).not.toContain(token);
    for (const address of NETWORKS) expect(logged).not.toContain(address.slice(0, address.lastIndexOf(".")));
    const points = h.metrics!.points.filter((point) => point.indexes?.[0] === "token_replay_suspected");
    expect(points).toEqual([
      {
        indexes: ["token_replay_suspected"],
        blobs: ["token_replay_suspected", "recorded", "1:*", "bearer", ""],
        doubles: [4],
      },
    ]);
  });

  it("counts networks by request.cf.asn when present, so addresses of one ASN are one network", async () => {
    const h = await createHarness({ vars: { REPLAY_NETWORK_THRESHOLD: 1 } });
    const token = await tokenFor(h);
    await h.fetch("/a", from(h, token, NETWORKS[0]!, { asn: 64500 }));
    await h.fetch("/a", from(h, token, NETWORKS[1]!, { asn: 64500 }));
    expect(h.events("token_replay_suspected")).toHaveLength(0);
    await h.fetch("/a", from(h, token, NETWORKS[1]!, { asn: 64501 }));
    expect(h.events("token_replay_suspected")).toHaveLength(1);
  });

  it("keeps the networks of different tokens apart", async () => {
    const h = await createHarness({ vars: { REPLAY_NETWORK_THRESHOLD: 1 } });
    const first = await tokenFor(h);
    const second = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { jti: "grant-2" }));
    await h.fetch("/a", from(h, first, NETWORKS[0]!));
    await h.fetch("/a", from(h, second, NETWORKS[1]!));
    expect(h.events("token_replay_suspected")).toHaveLength(0);
  });

  it("refuses with 401 token_replay_suspected on a route with refuse_replayed, from then on", async () => {
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "/api/*", refuse_replayed: true }, { pattern: "*" }] },
    });
    const token = await tokenFor(h);
    for (const address of NETWORKS.slice(0, 3))
      expect((await h.fetch("/api/x", from(h, token, address))).status).toBe(200);
    const refused = await h.fetch("/api/x", from(h, token, NETWORKS[3]!));
    expect(refused.status).toBe(401);
    expect((await h.fetch("/api/x", from(h, token, NETWORKS[0]!))).status).toBe(401);
    expect(h.originCalls).toHaveLength(3);
    expect(h.events("decision").at(-1)).toMatchObject({
      outcome: "refused",
      reason: "token_replay_suspected",
    });
    expect(h.events("token_replay_suspected")).toEqual([expect.objectContaining({ action: "refused" })]);
  });

  it("records a session cookie used from more networks than the threshold, naming it by hash only", async () => {
    const h = await createHarness({ vars: { REPLAY_NETWORK_THRESHOLD: 1 } });
    const browser = new Browser(h);
    await browser.signIn("/private");
    const cookie = browser.cookieHeader();
    const visit = (address: string) =>
      h.fetch("/private", { headers: { ...NAVIGATION, cookie, "cf-connecting-ip": address } });
    expect((await visit(NETWORKS[0]!)).status).toBe(200);
    expect(h.events("token_replay_suspected")).toHaveLength(0);
    expect((await visit("2001:db8:1234::1")).status).toBe(200);
    const events = h.events("token_replay_suspected");
    expect(events).toEqual([expect.objectContaining({ credential: "session", networks: 2 })]);
    const sessionValue = [...browser.cookies.values()].map(({ value }) => value);
    for (const value of sessionValue) expect(JSON.stringify(h.logs)).not.toContain(value);
  });

  it("starts counting afresh once the credential's lifetime has ended", () => {
    const suspicion = new ReplaySuspicion({ threshold: 1, maxCredentials: 10 });
    const bytes = () => new Uint8Array(4);
    const seen = (network: string, nowSeconds: number) =>
      suspicion.observe({ credential: "c", network, expiresAtSeconds: 100, nowSeconds }, bytes).suspected;
    expect(seen("n1", 10)).toBe(false);
    expect(seen("n2", 20)).toBe(true);
    expect(seen("n3", 100)).toBe(false);
  });

  it("holds at most maxCredentials credentials over 10,000, dropping the least recently used", () => {
    const suspicion = new ReplaySuspicion({ threshold: 1, maxCredentials: 640 });
    const bytes = () => new Uint8Array([1, 2, 3, 4]);
    const use = (credential: string, network: string) =>
      suspicion.observe({ credential, network, expiresAtSeconds: 1e9, nowSeconds: 0 }, bytes);
    use("kept", "n1");
    for (let i = 0; i < 10_000; i++) {
      use(`credential-${i}`, "n1");
      if (i % 50 === 0) use("kept", "n1");
      expect(suspicion.size).toBeLessThanOrEqual(640);
    }
    // Evicted in batches of 1/64: never more than the bound, never far below it.
    expect(suspicion.size).toBeGreaterThanOrEqual(630);
    expect(use("kept", "n2").suspected).toBe(true);
    expect(use("credential-0", "n2").suspected).toBe(false);
  });

  it("reduces an IPv4 address to its /24 and an IPv6 address to its /48", () => {
    expect(addressPrefix("203.0.113.5")).toBe("v4:203.0.113");
    expect(addressPrefix("2001:db8:1234:ffff::1")).toBe(addressPrefix("2001:0db8:1234::9"));
    expect(addressPrefix("2001:db8:1234::1")).not.toBe(addressPrefix("2001:db8:1235::1"));
    expect(addressPrefix("not an address")).toBeUndefined();
    expect(addressPrefix("1:2:3:4:5:6:7:8:9")).toBeUndefined();
  });
});
