import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { KeyCache } from "../../src/jwks/key-cache.ts";
import { ingestJwks, type VerificationKey } from "../../src/jwks/key-set.ts";
import { type VerifiedEntry, VerifiedTokenCache } from "../../src/jwt/verified-token-cache.ts";
import { verifyIdToken } from "../../src/jwt/verify-id-token.ts";
import type { Runtime } from "../../src/platform.ts";
import { topLevelClaim } from "../../src/policy/claim-path.ts";
import {
  CLIENT_ID,
  FakeIssuer,
  ISSUER,
  makeSigningKey,
  signToken,
  validClaims,
} from "../support/fake-issuer.ts";
import { identityOf } from "../support/identity.ts";

const LEEWAY_SECONDS = 30;
/** Work the key cache schedules with waitUntil, settled after each test. */
const background: Promise<unknown>[] = [];

async function setup(limits = { maxEntries: 10, maxBytes: 1024 * 1024 }) {
  await reset(); // KV outlives a test within a file: no key set from an earlier test's issuer
  const issuer = new FakeIssuer([await makeSigningKey("RS256", "rsa-1")]);
  const clock = { nowMs: Date.UTC(2026, 10, 22, 12, 0, 0) };
  const rt: Runtime = {
    now: () => clock.nowMs,
    fetch: async (request) => (await issuer.handle(request)) ?? new Response("not found", { status: 404 }),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    log: () => {},
    kv: env.AUTH_KV,
    waitUntil: (work) => {
      background.push(work);
    },
  };
  const loaded = loadConfig({
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: CLIENT_ID,
    AUTH_ROUTES: [{ pattern: "*" }],
    CLOCK_LEEWAY_SECONDS: LEEWAY_SECONDS,
    // A key set past its max-age is fetched again before use (no stale serving), so a rotation
    // shows on the next request.
    JWKS_MAX_STALE_SECONDS: 0,
  });
  if (!loaded.ok) throw new Error("test configuration is invalid");
  const config: GateConfig = loaded.value;
  const keys = new KeyCache(config);
  const cache = new VerifiedTokenCache(limits);
  const nowSeconds = () => Math.floor(clock.nowMs / 1000);
  return {
    issuer,
    clock,
    cache,
    nowSeconds,
    verify: (token: string) => verifyIdToken(token, config, keys, rt, {}, cache),
    /** Verifies a token twice, as a client that repeats it: the second time, the cache keeps it. */
    verifyUntilKept: async (token: string) => {
      const size = cache.size;
      expect((await verifyIdToken(token, config, keys, rt, {}, cache)).ok).toBe(true);
      expect(cache.size).toBe(size);
      expect((await verifyIdToken(token, config, keys, rt, {}, cache)).ok).toBe(true);
      expect(cache.size).toBe(size + 1);
    },
    verifyAtLogin: (token: string, nonce: string) => verifyIdToken(token, config, keys, rt, { nonce }, cache),
    tokenFor: (overrides: Record<string, unknown> = {}) =>
      signToken(issuer.keys[0]!, validClaims(nowSeconds(), overrides)),
  };
}

/** Replaces the character at `index` with another one of the base64url alphabet. */
function changeOneByte(token: string, index: number): string {
  const replacement = token[index] === "A" ? "B" : "A";
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.allSettled(background.splice(0));
});

describe("the verified-token cache in front of verifyIdToken", () => {
  it("keeps a token the second time it is verified, and answers it from then on without checking its signature", async () => {
    const t = await setup();
    const token = await t.tokenFor();
    const verifySpy = vi.spyOn(crypto.subtle, "verify");
    const first = await t.verify(token);
    expect(t.cache.size).toBe(0);
    const second = await t.verify(token);
    expect(t.cache.size).toBe(1);
    const third = await t.verify(token);
    const fourth = await t.verify(token);
    expect(first.ok && second.ok && third.ok && fourth.ok).toBe(true);
    expect(verifySpy).toHaveBeenCalledTimes(2);
    expect(fourth.ok && fourth.value.identity.sub).toBe("user-123");
    expect(fourth.ok && fourth.value.kid).toBe("rsa-1");
  });

  it("keeps none of a stream of tokens each verified once", async () => {
    const t = await setup();
    for (let i = 0; i < 20; i++)
      expect((await t.verify(await t.tokenFor({ sub: `user-${i}` }))).ok).toBe(true);
    expect(t.cache.size).toBe(0);
  });

  it("misses, and refuses, a token that differs from a cached one in a single byte", async () => {
    const t = await setup();
    const token = await t.tokenFor();
    await t.verifyUntilKept(token);
    const lastDot = token.lastIndexOf(".");
    const inSignature = await t.verify(changeOneByte(token, lastDot + 10));
    const inPayload = await t.verify(changeOneByte(token, token.indexOf(".") + 10));
    expect(inSignature.ok || inSignature.failure.reason).toBe("bad_signature");
    expect(inPayload.ok).toBe(false);
    expect(t.cache.size).toBe(1);
  });

  it("refuses a cached token once it has expired (exp plus leeway), and drops it", async () => {
    const t = await setup();
    const token = await t.tokenFor({ exp: t.nowSeconds() + 120 });
    await t.verifyUntilKept(token);
    t.clock.nowMs += (120 + LEEWAY_SECONDS - 1) * 1000;
    expect((await t.verify(token)).ok).toBe(true);
    t.clock.nowMs += 1000;
    const expired = await t.verify(token);
    expect(expired.ok || expired.failure.reason).toBe("expired");
    expect(t.cache.size).toBe(0);
  });

  it("re-verifies a cached token once the key that verified it is rotated out of the JWKS", async () => {
    const t = await setup();
    t.issuer.jwksCacheControl = "max-age=0"; // clamped to the 300 s minimum
    const token = await t.tokenFor({ exp: t.nowSeconds() + 3600 });
    await t.verifyUntilKept(token);
    t.issuer.keys = [await makeSigningKey("RS256", "rsa-2")];
    t.clock.nowMs += 301 * 1000;
    const rotated = await t.verify(token);
    expect(rotated.ok || rotated.failure.reason).toBe("unknown_kid");
    expect(t.cache.size).toBe(0);
  });

  it("re-verifies, and refuses, a cached token when its kid now names a different key", async () => {
    const t = await setup();
    t.issuer.jwksCacheControl = "max-age=0";
    const token = await t.tokenFor({ exp: t.nowSeconds() + 3600 });
    await t.verifyUntilKept(token);
    t.issuer.keys = [await makeSigningKey("RS256", "rsa-1")];
    t.clock.nowMs += 301 * 1000;
    const replaced = await t.verify(token);
    expect(replaced.ok || replaced.failure.reason).toBe("bad_signature");
  });

  it("keeps answering from the cache when a refetched JWKS still holds the same key", async () => {
    const t = await setup();
    t.issuer.jwksCacheControl = "max-age=0";
    const token = await t.tokenFor({ exp: t.nowSeconds() + 3600 });
    await t.verifyUntilKept(token);
    t.clock.nowMs += 301 * 1000;
    const verifySpy = vi.spyOn(crypto.subtle, "verify");
    expect((await t.verify(token)).ok).toBe(true);
    expect(t.issuer.jwksFetchCount()).toBe(2);
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it("never stores a token that failed verification", async () => {
    const t = await setup();
    const token = await t.tokenFor({ aud: "someone-else" });
    expect((await t.verify(token)).ok).toBe(false);
    expect(t.cache.size).toBe(0);
  });

  it("is not used at the login callback, where the nonce must be checked every time", async () => {
    const t = await setup();
    const token = await t.tokenFor({ nonce: "n-1" });
    expect((await t.verifyAtLogin(token, "n-1")).ok).toBe(true);
    expect(t.cache.size).toBe(0);
  });
});

describe("VerifiedTokenCache bounds", () => {
  /** Notes a token twice: the second time, the cache stores it. */
  function keep(cache: VerifiedTokenCache, token: string, e: VerifiedEntry): void {
    cache.remember(token, e);
    cache.remember(token, e);
  }

  async function entry(): Promise<VerifiedEntry> {
    const signing = await makeSigningKey("ES256", "ec-1");
    const ingested = await ingestJwks({ keys: [signing.publicJwk] });
    const key = ingested?.keySet.keys[0] as VerificationKey;
    const claims = { iss: ISSUER, sub: "user-1" };
    return {
      claims,
      identity: identityOf(claims, topLevelClaim("groups")),
      kid: "ec-1",
      alg: "ES256",
      key,
    };
  }

  it("evicts the least recently used token beyond maxEntries", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxBytes: 1024 });
    const e = await entry();
    keep(cache, "token-a", e);
    keep(cache, "token-b", e);
    expect(cache.recall("token-a")).toBeDefined();
    keep(cache, "token-c", e);
    expect(cache.size).toBe(2);
    expect(cache.recall("token-b")).toBeUndefined();
    expect(cache.recall("token-a")).toBeDefined();
    expect(cache.recall("token-c")).toBeDefined();
  });

  it("works out a cached token's SHA-256 once and keeps it with the entry", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxBytes: 1024 });
    keep(cache, "token-a", await entry());
    const digest = vi.spyOn(crypto.subtle, "digest");
    const first = await cache.fingerprintOf("token-a");
    expect(await cache.fingerprintOf("token-a")).toBe(first);
    expect(digest).toHaveBeenCalledTimes(1);
    // SHA-256("token-a"), base64url: what the sign-out records under.
    const expected = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("token-a")),
    );
    expect(first).toBe(
      btoa(String.fromCharCode(...expected))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, ""),
    );
    // A token not in the cache is hashed every time it is asked for.
    await cache.fingerprintOf("token-b");
    await cache.fingerprintOf("token-b");
    expect(digest).toHaveBeenCalledTimes(4);
    digest.mockRestore();
  });

  it("keeps within its byte budget and never stores a token larger than the budget", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 100, maxBytes: 100 });
    const e = await entry();
    keep(cache, "a".repeat(20), e);
    keep(cache, "b".repeat(20), e);
    expect(cache.size).toBe(2);
    keep(cache, "c".repeat(20), e);
    expect(cache.size).toBe(2);
    expect(cache.recall("a".repeat(20))).toBeUndefined();
    keep(cache, "d".repeat(51), e);
    expect(cache.recall("d".repeat(51))).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it("stores nothing when maxEntries is 0", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 0, maxBytes: 1024 });
    keep(cache, "token-a", await entry());
    expect(cache.size).toBe(0);
  });

  it("holds at most maxEntries marks of tokens verified once: a full set starts over", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxBytes: 1024 });
    const e = await entry();
    cache.remember("token-a", e);
    cache.remember("token-b", e);
    // The third mark finds the set full: it starts over, and token-a's mark is gone.
    cache.remember("token-c", e);
    cache.remember("token-a", e);
    expect(cache.size).toBe(0);
    // token-c's mark was kept: its second verification stores it.
    cache.remember("token-c", e);
    expect(cache.recall("token-c")).toBeDefined();
  });

  it("marks a token by its last characters, so two tokens that end alike only share a mark", async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxBytes: 1024 });
    const e = await entry();
    cache.remember("first.signature-ending", e);
    cache.remember("other.signature-ending", e);
    // The second token found the first's mark: it is kept a verification early, under its own text.
    expect(cache.recall("other.signature-ending")).toBeDefined();
    expect(cache.recall("first.signature-ending")).toBeUndefined();
  });
});
