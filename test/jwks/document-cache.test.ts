import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DocumentState } from "../../src/jwks/document-cache.ts";
import { ageSeconds } from "../../src/jwks/freshness.ts";
import type { KeyCache } from "../../src/jwks/key-cache.ts";
import { documentKey } from "../../src/jwks/kv-store.ts";
import { ISSUER, makeSigningKey } from "../support/fake-issuer.ts";
import { createKeyCacheRig } from "../support/key-cache-rig.ts";

/**
 * The cache's state with times as ISO strings and whole seconds, and the key set as its kid count:
 * what each assertion below states.
 */
function statedAsRead(cache: KeyCache, nowMs: number) {
  const state = cache.state(nowMs);
  const kids = state.jwks.entry?.value.byKid.size;
  return {
    issuer: state.issuer,
    discovery: documentAsRead(state.discovery, nowMs),
    jwks: { ...documentAsRead(state.jwks, nowMs), ...(kids === undefined ? {} : { kidCount: kids }) },
    unknownKidCooldownSeconds: state.unknownKidCooldownSeconds,
  };
}

function documentAsRead(document: DocumentState<unknown>, nowMs: number) {
  const { entry, freshness, lastFetch } = document;
  return {
    ...(entry && freshness
      ? {
          source: entry.source,
          fetchedAt: new Date(entry.fetchedAt).toISOString(),
          ageSeconds: Math.floor(ageSeconds(entry, nowMs)),
          maxAgeSeconds: entry.maxAgeSeconds,
          freshness,
        }
      : {}),
    refreshing: document.refreshing,
    ...(lastFetch
      ? { lastFetch: { ...lastFetch, at: new Date(lastFetch.at).toISOString(), atMs: lastFetch.at } }
      : {}),
  };
}

describe("the discovery document in three tiers (what the login flow reads)", () => {
  it("fetches it once, then serves it from memory", async () => {
    const rig = await createKeyCacheRig();
    const first = await rig.cache.discovery(rig.rt);
    expect(first).toMatchObject({ ok: true, value: { issuer: ISSUER, token_endpoint: `${ISSUER}/token` } });
    await rig.settle();
    rig.advanceSeconds(3599);
    expect((await rig.cache.discovery(rig.rt)).ok).toBe(true);
    expect(rig.issuer.discoveryFetchCount()).toBe(1);
  });

  it("serves a cold isolate from KV without asking the provider", async () => {
    const warm = await createKeyCacheRig();
    await warm.cache.discovery(warm.rt);
    await warm.settle();
    const cold = await createKeyCacheRig({ issuer: warm.issuer, clock: warm.clock, keepKv: true });
    expect((await cold.cache.discovery(cold.rt)).ok).toBe(true);
    expect(warm.issuer.discoveryFetchCount()).toBe(1);
    expect(statedAsRead(cold.cache, cold.clock.nowMs).discovery).toMatchObject({
      source: "kv",
      freshness: "fresh",
    });
  });

  it("serves a stale document while the provider is down, and 503 discovery_unavailable after max-stale", async () => {
    const rig = await createKeyCacheRig({ vars: { JWKS_MAX_STALE_SECONDS: 600 } });
    await rig.cache.discovery(rig.rt);
    await rig.settle();
    rig.issuer.discoveryResponder = () => new Response("down", { status: 500 });
    rig.advanceSeconds(3600 + 599);
    expect((await rig.cache.discovery(rig.rt)).ok).toBe(true);
    await rig.settle();
    rig.advanceSeconds(1);
    // The background refresh a second ago failed: the isolate backs off, Retry-After counts down.
    expect(await rig.cache.discovery(rig.rt)).toMatchObject({
      ok: false,
      failure: { kind: "unavailable", reason: "discovery_unavailable", retryAfterSeconds: 29 },
    });
  });

  it("ignores a KV record whose document names another issuer (judged again on the way in)", async () => {
    const rig = await createKeyCacheRig();
    await workerEnv.AUTH_KV.put(
      documentKey("discovery", ISSUER),
      JSON.stringify({
        version: 1,
        kind: "discovery",
        issuer: ISSUER,
        fetchedAt: rig.clock.nowMs,
        maxAgeSeconds: 3600,
        body: { issuer: "https://evil.test", jwks_uri: "https://evil.test/jwks" },
      }),
    );
    expect(await rig.cache.discovery(rig.rt)).toMatchObject({
      ok: true,
      value: { jwks_uri: `${ISSUER}/jwks` },
    });
    expect(rig.events("kv_record_ignored")).toMatchObject([{ problem: "judged bad" }]);
  });
});

describe("a refresh that finishes late", () => {
  it("loses to a newer one that finished first (generation and fetch time)", async () => {
    const rig = await createKeyCacheRig();
    const [keyA] = rig.issuer.keys;
    expect((await rig.cache.keysFor(rig.rt, "rsa-1", "RS256")).ok).toBe(true);
    await rig.settle();
    const held = rig.issuer.holdJwks();
    const keyB = await makeSigningKey("ES256", "b");
    const keyC = await makeSigningKey("ES256", "c");

    rig.advanceSeconds(600);
    expect(await rig.cache.keysFor(rig.rt, "rsa-1", "RS256")).toMatchObject({ value: { tier: "stale" } });
    await held.until(1);
    rig.advanceSeconds(12);
    expect(await rig.cache.keysFor(rig.rt, "rsa-1", "RS256")).toMatchObject({ value: { tier: "stale" } });
    await held.until(2);
    held.requests[1]!.release(rig.issuer.jwksResponse([keyA!, keyB]));
    held.requests[0]!.release(rig.issuer.jwksResponse([keyA!, keyC]));
    await rig.settle();

    expect(rig.events("key_fetch").slice(-2)).toMatchObject([
      { trigger: "stale", outcome: "ok" },
      { trigger: "stale", outcome: "superseded" },
    ]);
    const snapshot = statedAsRead(rig.cache, rig.clock.nowMs);
    expect(snapshot.jwks).toMatchObject({ kidCount: 2, source: "provider", freshness: "fresh" });
    rig.issuer.jwksResponder = () => new Response("down", { status: 500 });
    expect(await rig.cache.keysFor(rig.rt, "b", "ES256")).toMatchObject({ value: { tier: "memory" } });
  });
});

describe("the scheduled refresh", () => {
  it("refreshes what would go stale within refresh-ahead, and leaves the rest", async () => {
    const rig = await createKeyCacheRig();
    expect(await rig.cache.refresh(rig.rt)).toEqual({
      discovery: { outcome: "refreshed" },
      jwks: { outcome: "refreshed" },
    });
    await rig.settle();
    // JWKS max-age 600 ≤ refresh-ahead 600: refreshed at every run; discovery (3600) only near its end.
    rig.advanceSeconds(300);
    expect(await rig.cache.refresh(rig.rt)).toEqual({
      discovery: { outcome: "current" },
      jwks: { outcome: "refreshed" },
    });
    await rig.settle();
    rig.advanceSeconds(2700);
    expect((await rig.cache.refresh(rig.rt)).discovery).toEqual({ outcome: "refreshed" });
  });

  it("takes a record another isolate refreshed from KV instead of asking the provider", async () => {
    const first = await createKeyCacheRig({ vars: { JWKS_REFRESH_AHEAD_SECONDS: 60 } });
    await first.cache.refresh(first.rt);
    await first.settle();
    const second = await createKeyCacheRig({
      vars: { JWKS_REFRESH_AHEAD_SECONDS: 60 },
      issuer: first.issuer,
      clock: first.clock,
      keepKv: true,
    });
    const fetches = first.issuer.providerFetchCount();
    expect(await second.cache.refresh(second.rt)).toEqual({
      discovery: { outcome: "current" },
      jwks: { outcome: "current" },
    });
    expect(first.issuer.providerFetchCount()).toBe(fetches);
  });
});

describe("the state a health endpoint reads", () => {
  it("tells per issuer each document's source, age, freshness, kid count, last fetch and cooldown", async () => {
    const rig = await createKeyCacheRig();
    expect(statedAsRead(rig.cache, rig.clock.nowMs)).toEqual({
      issuer: ISSUER,
      discovery: { refreshing: false },
      jwks: { refreshing: false },
      unknownKidCooldownSeconds: 0,
    });
    await rig.cache.keysFor(rig.rt, "nobody", "RS256");
    await rig.settle();
    rig.advanceSeconds(700);
    rig.issuer.jwksResponder = () => new Response("down", { status: 503 });
    await rig.cache.keysFor(rig.rt, "rsa-1", "RS256");
    await rig.settle();
    expect(statedAsRead(rig.cache, rig.clock.nowMs)).toEqual({
      issuer: ISSUER,
      discovery: {
        source: "provider",
        fetchedAt: "2026-11-22T12:00:00.000Z",
        ageSeconds: 700,
        maxAgeSeconds: 3600,
        freshness: "fresh",
        refreshing: false,
        lastFetch: {
          at: "2026-11-22T12:00:00.000Z",
          atMs: Date.parse("2026-11-22T12:00:00.000Z"),
          ok: true,
          outcome: "ok",
          status: 200,
        },
      },
      jwks: {
        source: "provider",
        fetchedAt: "2026-11-22T12:00:00.000Z",
        ageSeconds: 700,
        maxAgeSeconds: 600,
        freshness: "stale",
        refreshing: false,
        lastFetch: {
          at: "2026-11-22T12:11:40.000Z",
          atMs: Date.parse("2026-11-22T12:11:40.000Z"),
          ok: false,
          outcome: "http_status",
          problem: "status 503",
          status: 503,
        },
        kidCount: 1,
      },
      unknownKidCooldownSeconds: 0,
    });
  });
});
