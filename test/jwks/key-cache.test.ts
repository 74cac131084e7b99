import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISSUER, makeSigningKey, type SigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { countingKv, failingKv, hangingKv } from "../support/kv.ts";

const JWKS_KEY = `v1:jwks:${ISSUER}`;

async function tokenFor(h: Harness, key: SigningKey, header: Record<string, unknown> = {}): Promise<string> {
  return signToken(key, validClaims(h.nowSeconds()), header);
}

async function status(h: Harness, key: SigningKey, header: Record<string, unknown> = {}): Promise<number> {
  return (await h.fetch("/private", h.bearer(await tokenFor(h, key, header)))).status;
}

function lastDecision(h: Harness): Record<string, unknown> {
  return h.events("decision").at(-1) ?? {};
}

describe("the key cache tiers: memory, then KV, then the provider", () => {
  it("serves a cold isolate from warm KV with zero provider fetches", async () => {
    const first = await createHarness();
    expect(await status(first, first.issuer.keys[0]!)).toBe(200);
    expect(first.issuer.providerFetchCount()).toBe(2);

    const second = await createHarness({ issuer: first.issuer, clock: first.clock, keepKv: true });
    expect(await status(second, first.issuer.keys[0]!)).toBe(200);
    expect(first.issuer.providerFetchCount()).toBe(2);
    expect(lastDecision(second)).toMatchObject({ outcome: "forwarded", tier: "kv" });
  });

  it("reads nothing from KV while memory is fresh", async () => {
    const { kv, counts } = countingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv });
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    const readsAfterWarmUp = counts.gets.filter((key) => !key.startsWith("revocations:")).length;
    for (let i = 0; i < 20; i++) {
      h.advanceSeconds(10);
      expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    }
    // Only key documents count here: revocations have their own short cache (docs/operations.md).
    const keyReads = () => counts.gets.filter((key) => !key.startsWith("revocations:")).length;
    expect(keyReads()).toBe(readsAfterWarmUp);
    expect(lastDecision(h)).toMatchObject({ tier: "memory" });
  });

  it("keeps what KV holds for as long as it can serve, and never asks KV for a TTL under 60 s", async () => {
    const { kv, counts } = countingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv, vars: { JWKS_MAX_STALE_SECONDS: 0 } });
    h.issuer.jwksCacheControl = "max-age=1";
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    // An unknown kid forces a refresh, which also writes the shared cooldown stamp (cooldown 30 s).
    expect(await status(h, h.issuer.keys[0]!, { kid: "not-there" })).toBe(401);
    const ttls = Object.fromEntries(counts.puts.map((put) => [put.key.split(":")[1], put.expirationTtl]));
    // max-age=1 is clamped to the 300 s minimum; max-stale is 0; the discovery document says 3600.
    expect(ttls).toEqual({ discovery: 3600, jwks: 300, "kid-refresh": 60 });
    for (const put of counts.puts) expect(put.expirationTtl).toBeGreaterThanOrEqual(60);
  });
});

describe("freshness: fresh, stale, expired", () => {
  it("uses memory up to max-age, serves stale from max-age with a background refresh, and 503 from max-age + max-stale", async () => {
    const h = await createHarness({ vars: { JWKS_MAX_STALE_SECONDS: 3600 } });
    const key = h.issuer.keys[0]!;
    const t0 = h.clock.nowMs;
    expect(await status(h, key)).toBe(200);
    h.issuer.jwksResponder = () => new Response("down", { status: 503 });
    const fetchesAtStart = h.issuer.jwksFetchCount();

    h.clock.nowMs = t0 + 600_000 - 1;
    expect(await status(h, key)).toBe(200);
    expect(lastDecision(h)).toMatchObject({ tier: "memory" });
    expect(h.issuer.jwksFetchCount()).toBe(fetchesAtStart);

    h.clock.nowMs = t0 + 600_000;
    expect(await status(h, key)).toBe(200);
    expect(lastDecision(h)).toMatchObject({ tier: "stale" });
    expect(h.issuer.jwksFetchCount()).toBe(fetchesAtStart + 1);
    expect(h.events("key_fetch").at(-1)).toMatchObject({
      document: "jwks",
      trigger: "stale",
      outcome: "failed",
    });

    h.clock.nowMs = t0 + (600 + 3600) * 1000 - 1;
    expect(await status(h, key)).toBe(200);
    expect(lastDecision(h)).toMatchObject({ tier: "stale" });

    h.clock.nowMs = t0 + (600 + 3600) * 1000;
    const res = await h.fetch("/private", h.bearer(await tokenFor(h, key)));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(lastDecision(h)).toMatchObject({ reason: "jwks_unavailable" });
  });

  it("accepts every valid token while the provider is down for the whole max-stale window, then answers 503, never 401", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const t0 = h.clock.nowMs;
    expect(await status(h, key)).toBe(200);
    h.issuer.jwksResponder = () => new Response("bad gateway", { status: 502 });
    h.issuer.discoveryResponder = () => new Response("bad gateway", { status: 502 });
    const endOfStaleMs = t0 + (600 + 6 * 3600) * 1000;
    let accepted = 0;
    for (h.clock.nowMs = t0 + 60_000; h.clock.nowMs < endOfStaleMs; h.clock.nowMs += 60_000) {
      expect(await status(h, key)).toBe(200);
      accepted++;
    }
    expect(accepted).toBe((600 + 6 * 3600) / 60 - 1);
    // Background attempts: at most one per 30 s backoff, here one per request (a request a minute).
    expect(h.issuer.jwksFetchCount()).toBeLessThanOrEqual(1 + accepted);
    h.clock.nowMs = endOfStaleMs;
    const after = await h.fetch("/private", h.bearer(await tokenFor(h, key)));
    expect(after.status).toBe(503);
    expect(after.headers.get("retry-after")).not.toBeNull();
    expect(h.events("decision").filter((line) => line.status === 401)).toEqual([]);
  }, 30_000);

  it("asks the provider at most once per backoff while it is down and no usable keys remain", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => new Response("down", { status: 500 });
    const key = h.issuer.keys[0]!;
    const first = await h.fetch("/private", h.bearer(await tokenFor(h, key)));
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("30");
    h.advanceSeconds(10);
    const second = await h.fetch("/private", h.bearer(await tokenFor(h, key)));
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("20");
    expect(h.issuer.jwksFetchCount()).toBe(1);
    h.advanceSeconds(20);
    h.issuer.jwksResponder = undefined;
    expect(await status(h, key)).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(2);
  });
});

describe("a bad answer from the provider never replaces good keys", () => {
  const tenMegabytes = 10 * 1024 * 1024;
  const badAnswers: [string, (request: Request) => Promise<Response> | Response][] = [
    ["status 500", () => new Response("oops", { status: 500 })],
    [
      "a redirect (not followed)",
      () => new Response(null, { status: 302, headers: { location: "https://evil.test/jwks" } }),
    ],
    ["HTML instead of JSON", () => new Response("<html>maintenance</html>", { status: 200 })],
    ["JSON that is not a JWKS", () => Response.json({ keys: "none" })],
    ["a JWKS with no key", () => Response.json({ keys: [] })],
    ["a JWKS whose only key is private", () => Response.json({ keys: [{ kty: "oct", k: "c2VjcmV0" }] })],
    [
      "10 MB declared in Content-Length",
      () => new Response("x".repeat(1024), { headers: { "content-length": String(tenMegabytes) } }),
    ],
    ["10 MB streamed without a length", () => new Response(streamOf(tenMegabytes))],
    [
      "an answer slower than the fetch timeout",
      (request) =>
        new Promise<Response>((_, reject) =>
          request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        ),
    ],
  ];

  it.each(badAnswers)("keeps the old keys when the provider answers with %s", async (_, responder) => {
    const h = await createHarness({ vars: { JWKS_FETCH_TIMEOUT_MS: 100 } });
    const key = h.issuer.keys[0]!;
    expect(await status(h, key)).toBe(200);
    h.issuer.jwksResponder = responder;
    h.advanceSeconds(600);
    expect(await status(h, key)).toBe(200);
    expect(h.events("key_fetch").at(-1)).toMatchObject({ document: "jwks", outcome: "failed" });
    h.advanceSeconds(60);
    expect(await status(h, key)).toBe(200);
    expect(h.outbound.filter((url) => url.startsWith("https://evil.test"))).toEqual([]);
    const record = (await workerEnv.AUTH_KV.get(JWKS_KEY, "json")) as { body: { keys: { kid: string }[] } };
    expect(record.body.keys.map((k) => k.kid)).toEqual(["rsa-1"]);
  });

  it("refuses a discovery document whose issuer is not exactly the configured one (OIDC Discovery §4.3)", async () => {
    const h = await createHarness();
    h.issuer.discoveryResponder = () =>
      Response.json({ ...h.issuer.discoveryDocument, issuer: `${ISSUER}/` });
    const res = await h.fetch("/private", h.bearer(await tokenFor(h, h.issuer.keys[0]!)));
    expect(res.status).toBe(503);
    expect(lastDecision(h)).toMatchObject({ reason: "discovery_unavailable" });
    expect(h.issuer.jwksFetchCount()).toBe(0);
    expect(h.events("key_fetch")[0]).toMatchObject({
      document: "discovery",
      outcome: "failed",
      problem: "issuer in the document does not equal the configured issuer",
    });
  });
});

describe("unknown kids and key rotation", () => {
  it("accepts a token signed by a new key after one forced refresh, and still the old key's tokens", async () => {
    const h = await createHarness();
    const [oldKey] = h.issuer.keys;
    expect(await status(h, oldKey!)).toBe(200);
    const newKey = await makeSigningKey("ES256", "ec-2");
    h.issuer.keys = [oldKey!, newKey];
    const before = h.issuer.jwksFetchCount();
    expect(await status(h, newKey)).toBe(200);
    expect(lastDecision(h)).toMatchObject({ tier: "provider", kid: "ec-2" });
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
    expect(await status(h, oldKey!)).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
  });

  it("rejects an unknown kid with 401 unknown_kid after one refresh, and makes no fetch inside the cooldown", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    expect(await status(h, key)).toBe(200);
    const before = h.issuer.jwksFetchCount();
    const res = await h.fetch("/private", h.bearer(await tokenFor(h, key, { kid: "nobody" })));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(lastDecision(h)).toMatchObject({ reason: "unknown_kid", kid: "nobody" });
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
    h.advanceSeconds(29);
    expect(await status(h, key, { kid: "nobody-else" })).toBe(401);
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
    h.advanceSeconds(1);
    expect(await status(h, key, { kid: "nobody-else" })).toBe(401);
    expect(h.issuer.jwksFetchCount()).toBe(before + 2);
  });

  it("makes at most one fetch per cooldown for 1,000 concurrent requests with random kids", async () => {
    const h = await createHarness();
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    // Any key will do to sign tokens whose kid nobody has; ES256 signs fastest.
    const forger = await makeSigningKey("ES256", "forger");
    const flood = async () => {
      const tokens = await Promise.all(
        Array.from({ length: 1000 }, () => tokenFor(h, forger, { kid: crypto.randomUUID() })),
      );
      return Promise.all(tokens.map((token) => h.fetch("/private", h.bearer(token))));
    };
    const before = h.issuer.jwksFetchCount();
    const statuses = (await flood()).map((res) => res.status);
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(h.issuer.jwksFetchCount() - before).toBe(1);
    h.advanceSeconds(10);
    await flood();
    expect(h.issuer.jwksFetchCount() - before).toBe(1);
    h.advanceSeconds(20);
    await flood();
    expect(h.issuer.jwksFetchCount() - before).toBe(2);
    console.log(
      `[measured] 3,000 requests with random kids in 3 waves over 30 s: ${h.issuer.jwksFetchCount() - before} JWKS fetches`,
    );
  }, 30_000);

  it("lets 1,000 concurrent requests signed by a new key share one refresh, all accepted", async () => {
    const h = await createHarness();
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    const newKey = await makeSigningKey("ES256", "ec-new");
    h.issuer.keys = [...h.issuer.keys, newKey];
    const held = h.issuer.holdJwks();
    const token = await tokenFor(h, newKey);
    const before = h.issuer.jwksFetchCount();
    const responses = Promise.all(Array.from({ length: 1000 }, () => h.fetch("/private", h.bearer(token))));
    await held.until(1);
    held.requests[0]!.release(h.issuer.jwksResponse());
    const statuses = (await responses).map((res) => res.status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(h.issuer.jwksFetchCount() - before).toBe(1);
    expect(held.requests).toHaveLength(1);
  }, 30_000);

  it("answers 503, not 401, for an unknown kid while the provider is down (the kid may be a rotation)", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    expect(await status(h, key)).toBe(200);
    h.issuer.jwksResponder = () => new Response("down", { status: 502 });
    const res = await h.fetch("/private", h.bearer(await tokenFor(h, key, { kid: "rotated" })));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(await status(h, key)).toBe(200);
  });

  it("keeps answering 503 for unknown kids inside the cooldown after a failed refresh, even once the backoff is over", async () => {
    const h = await createHarness({ vars: { JWKS_FAILURE_BACKOFF_SECONDS: 5 } });
    const key = h.issuer.keys[0]!;
    expect(await status(h, key)).toBe(200);
    h.issuer.jwksResponder = () => new Response("down", { status: 502 });
    expect(await status(h, key, { kid: "rotated-1" })).toBe(503);
    const fetches = h.issuer.jwksFetchCount();
    h.advanceSeconds(10);
    const res = await h.fetch("/private", h.bearer(await tokenFor(h, key, { kid: "rotated-2" })));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(h.issuer.jwksFetchCount()).toBe(fetches);
  });

  it("refreshes once for a token without a kid that no known key verifies, then accepts the new key", async () => {
    const h = await createHarness();
    const [oldKey] = h.issuer.keys;
    expect(await status(h, oldKey!)).toBe(200);
    const newKey = await makeSigningKey("RS256", "rsa-2");
    h.issuer.keys = [oldKey!, newKey];
    const before = h.issuer.jwksFetchCount();
    const kidless = await signToken(newKey, validClaims(h.nowSeconds()), { kid: undefined });
    expect((await h.fetch("/private", h.bearer(kidless))).status).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
    const forged = await signToken(await makeSigningKey("RS256", "x"), validClaims(h.nowSeconds()), {
      kid: undefined,
    });
    expect((await h.fetch("/private", h.bearer(forged))).status).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "bad_signature" });
    expect(h.issuer.jwksFetchCount()).toBe(before + 1);
  });

  it("shares the cooldown through KV: a second isolate inside it makes no fetch for a kid the provider lacked", async () => {
    const a = await createHarness();
    const key = a.issuer.keys[0]!;
    expect(await status(a, key)).toBe(200);
    const b = await createHarness({ issuer: a.issuer, clock: a.clock, keepKv: true });
    expect(await status(b, key)).toBe(200);
    const before = a.issuer.jwksFetchCount();
    expect(await status(a, key, { kid: "random-1" })).toBe(401);
    expect(a.issuer.jwksFetchCount()).toBe(before + 1);
    a.advanceSeconds(5);
    expect(await status(b, key, { kid: "random-2" })).toBe(401);
    expect(a.issuer.jwksFetchCount()).toBe(before + 1);
    expect(b.events("key_refresh_skipped")).toHaveLength(1);
  });

  it("still fetches in the second isolate when its kid was in the set the first isolate fetched", async () => {
    const a = await createHarness();
    const key = a.issuer.keys[0]!;
    const b = await createHarness({ issuer: a.issuer, clock: a.clock, keepKv: true });
    expect(await status(b, key)).toBe(200);
    expect(await status(a, key)).toBe(200);
    const newKey = await makeSigningKey("ES256", "ec-rotated");
    a.issuer.keys = [key, newKey];
    a.advanceSeconds(60);
    expect(await status(a, newKey)).toBe(200);
    a.advanceSeconds(1);
    // b reads the JWKS record first and finds the new key there: no fetch needed.
    const before = a.issuer.jwksFetchCount();
    expect(await status(b, newKey)).toBe(200);
    expect(a.issuer.jwksFetchCount()).toBe(before);
    expect(lastDecision(b)).toMatchObject({ tier: "kv" });
  });

  it("does not share the cooldown when UNKNOWN_KID_SHARED_COOLDOWN is false", async () => {
    const vars = { UNKNOWN_KID_SHARED_COOLDOWN: "false" };
    const a = await createHarness({ vars });
    const key = a.issuer.keys[0]!;
    const b = await createHarness({ vars, issuer: a.issuer, clock: a.clock, keepKv: true });
    expect(await status(a, key)).toBe(200);
    expect(await status(b, key)).toBe(200);
    const before = a.issuer.jwksFetchCount();
    expect(await status(a, key, { kid: "random-1" })).toBe(401);
    expect(await status(b, key, { kid: "random-2" })).toBe(401);
    expect(a.issuer.jwksFetchCount()).toBe(before + 2);
  });
});

describe("racing refreshes", () => {
  it("keeps the newer set when two refreshes finish out of order, in memory and in KV", async () => {
    const h = await createHarness();
    const [keyA] = h.issuer.keys;
    expect(await status(h, keyA!)).toBe(200);
    const keyB = await makeSigningKey("ES256", "key-b");
    const keyC = await makeSigningKey("ES256", "key-c");
    const held = h.issuer.holdJwks();

    h.advanceSeconds(600);
    const older = h.fetch("/private", h.bearer(await tokenFor(h, keyA!)));
    await held.until(1);
    // The first refresh hangs past the deadline (2 × 4 s + 3 × 1 s): the next request may start another.
    h.advanceSeconds(12);
    const newer = h.fetch("/private", h.bearer(await tokenFor(h, keyA!)));
    await held.until(2);

    held.requests[1]!.release(h.issuer.jwksResponse([keyA!, keyB]));
    expect((await newer).status).toBe(200);
    held.requests[0]!.release(h.issuer.jwksResponse([keyA!, keyC]));
    expect((await older).status).toBe(200);

    expect(h.events("key_fetch").slice(-2)).toMatchObject([{ outcome: "ok" }, { outcome: "superseded" }]);
    const record = (await workerEnv.AUTH_KV.get(JWKS_KEY, "json")) as { body: { keys: { kid: string }[] } };
    expect(record.body.keys.map((k) => k.kid)).toEqual(["rsa-1", "key-b"]);
    h.issuer.jwksResponder = undefined;
    const fetches = h.issuer.jwksFetchCount();
    expect(await status(h, keyB)).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(fetches);
  });
});

describe("KV faults are misses, never crashes", () => {
  it("serves from the provider and memory while KV is down", async () => {
    const h = await createHarness({ kv: failingKv() });
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(1);
    expect(h.events("kv_error").length).toBeGreaterThan(0);
    expect(lastDecision(h)).toMatchObject({ tier: "memory" });
  });

  it("treats a KV read that does not answer within the KV timeout as a miss", async () => {
    const h = await createHarness({ kv: hangingKv() });
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    expect(h.events("kv_error")[0]).toMatchObject({ operation: "get", problem: "timed out after 1000 ms" });
  });

  const corrupt: [string, string][] = [
    ["not JSON", "{not json"],
    [
      "of another version",
      JSON.stringify({
        version: 2,
        kind: "jwks",
        issuer: ISSUER,
        fetchedAt: 1,
        maxAgeSeconds: 600,
        body: { keys: [] },
      }),
    ],
    [
      "for another issuer",
      JSON.stringify({
        version: 1,
        kind: "jwks",
        issuer: "https://other.test",
        fetchedAt: Date.UTC(2026, 10, 22, 11, 59),
        maxAgeSeconds: 600,
        body: { keys: [] },
      }),
    ],
    [
      "dated in the future",
      JSON.stringify({
        version: 1,
        kind: "jwks",
        issuer: ISSUER,
        fetchedAt: Date.UTC(2027, 0, 1),
        maxAgeSeconds: 600,
        body: { keys: [] },
      }),
    ],
    [
      "holding only a private key",
      JSON.stringify({
        version: 1,
        kind: "jwks",
        issuer: ISSUER,
        fetchedAt: Date.UTC(2026, 10, 22, 11, 59),
        maxAgeSeconds: 600,
        body: { keys: [{ kty: "oct", k: "c2VjcmV0" }] },
      }),
    ],
  ];

  it.each(corrupt)("ignores a KV record %s and fetches from the provider", async (_, value) => {
    const h = await createHarness();
    await workerEnv.AUTH_KV.put(JWKS_KEY, value);
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
    expect(h.issuer.jwksFetchCount()).toBe(1);
    expect(h.events("kv_record_ignored")[0]).toMatchObject({ key: JWKS_KEY });
    const record = (await workerEnv.AUTH_KV.get(JWKS_KEY, "json")) as { version: number };
    expect(record.version).toBe(1);
  });
});

describe("the cron trigger", () => {
  it("refreshes keys before they go stale so that no request waits for the provider in steady state", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    await h.scheduled();
    expect(h.events("cron_refresh")[0]).toMatchObject({
      discovery: { outcome: "refreshed" },
      jwks: { outcome: "refreshed" },
    });
    const other = await createHarness({ issuer: h.issuer, clock: h.clock, keepKv: true });
    for (let minute = 1; minute <= 120; minute++) {
      h.advanceSeconds(60);
      if (minute % 5 === 0) await h.scheduled();
      expect(await status(other, key)).toBe(200);
    }
    const tiers = new Set(other.events("decision").map((line) => line.tier));
    expect(tiers.has("provider")).toBe(false);
    expect(other.events("key_fetch")).toEqual([]);
    expect(h.events("key_fetch").every((line) => line.trigger === "cron")).toBe(true);
  }, 30_000);

  it("reports a failed refresh and keeps the keys", async () => {
    const h = await createHarness();
    await h.scheduled();
    h.issuer.jwksResponder = () => new Response("down", { status: 500 });
    h.advanceSeconds(600);
    await h.scheduled();
    expect(h.events("cron_refresh")[1]).toMatchObject({
      jwks: { outcome: "failed", reason: "jwks_unavailable", problem: "status 500" },
    });
    expect(await status(h, h.issuer.keys[0]!)).toBe(200);
  });
});

function streamOf(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}
