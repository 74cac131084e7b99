import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../../src/platform.ts";
import { SessionStore } from "../../src/session/session-store.ts";
import { Browser } from "../support/browser.ts";
import { createHarness } from "../support/harness.ts";
import { stallingKv } from "../support/kv.ts";

const SESSION = "__Host-edge-auth";

describe("session KV calls have a deadline", () => {
  it("answers 503 (and keeps the session) when KV does not take the renewed session", async () => {
    const { kv, stalls } = stallingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv });
    const browser = new Browser(h);
    expect((await browser.signIn("/private")).status).toBe(303);
    h.advanceSeconds(601); // the identity expired: this visit renews it and saves the session
    stalls.writes = true;
    const res = await browser.visit("/private");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(browser.cookies.has(SESSION)).toBe(true);
    expect(h.events("decision").at(-1)).toMatchObject({
      reason: "session_store_unavailable",
      detail: "KV write failed: timed out after 1000 ms",
    });
  });

  it("does not wait for a session delete that never ends when a renewal is refused", async () => {
    const { kv, stalls } = stallingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv });
    const browser = new Browser(h);
    expect((await browser.signIn("/private")).status).toBe(303);
    h.provider.revokeRefreshTokens();
    h.advanceSeconds(601);
    stalls.writes = true;
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.events("session_delete_failed")).toEqual([
      { event: "session_delete_failed", problem: "timed out after 1000 ms" },
    ]);
  });
});

describe("the memory copy of a session running out", () => {
  const settings = {
    absoluteTtlSeconds: 86_400,
    idleTtlSeconds: 7_200,
    touchIntervalSeconds: 60,
    memoryCacheSeconds: 5,
    cookieName: "edge-auth",
  };
  const KV_TIMEOUT_MS = 1000;
  const handle = { kvKey: "session:abc" };
  const record = (sub: string) => ({
    v: 1 as const,
    claims: { iss: "https://issuer.test", sub },
    createdAt: 1_000,
    lastSeenAt: 1_000,
    absoluteExpiresAt: 90_000,
    identityExpiresAt: 5_000,
    idToken: "id-token",
    origin: "https://app.test",
  });

  /** KV whose reads wait until the test lets them answer, counting them. */
  function gatedKv() {
    const stored = new Map<string, string>();
    const waiting: (() => void)[] = [];
    const kv = {
      reads: 0,
      get: (key: string) => {
        kv.reads++;
        return new Promise<string | null>((resolve) => waiting.push(() => resolve(stored.get(key) ?? null)));
      },
      put: async (key: string, value: string) => {
        stored.set(key, value);
      },
      delete: async (key: string) => {
        stored.delete(key);
      },
    };
    const answerReads = () => {
      for (const answer of waiting.splice(0)) answer();
    };
    return { kv, stored, answerReads };
  }

  function runtimeAt(clock: { nowMs: number }, kv: unknown): Runtime {
    return {
      now: () => clock.nowMs,
      fetch: () => Promise.reject(new Error("no network")),
      randomBytes: (n: number) => new Uint8Array(n),
      log: () => {},
      kv: kv as KVNamespace,
      waitUntil: () => {},
    };
  }

  /** A store holding "before" in memory, KV holding "after", and the memory copy just run out. */
  async function storeWithExpiredCopy() {
    const { kv, stored, answerReads } = gatedKv();
    const clock = { nowMs: 1_000_000 };
    const rt = runtimeAt(clock, kv);
    const store = new SessionStore(settings, 30, KV_TIMEOUT_MS);
    expect((await store.save(rt, handle, record("before"))).ok).toBe(true);
    stored.set(handle.kvKey, JSON.stringify(record("after")));
    clock.nowMs += settings.memoryCacheSeconds * 1000 + 1;
    return { kv, answerReads, clock, rt, store };
  }

  it("sends one KV read while the requests arriving meanwhile go on with the record held", async () => {
    const { kv, answerReads, rt, store } = await storeWithExpiredCopy();
    const first = store.load(rt, handle);
    const meanwhile = await Promise.all([store.load(rt, handle), store.load(rt, handle)]);
    expect(meanwhile.map((loaded) => loaded.ok && loaded.value?.claims.sub)).toEqual(["before", "before"]);
    expect(kv.reads).toBe(1);
    answerReads();
    const reread = await first;
    expect(reread.ok && reread.value?.claims.sub).toBe("after");
    const next = await store.load(rt, handle);
    expect(next.ok && next.value?.claims.sub).toBe("after");
    expect(kv.reads).toBe(1);
  });

  it("lets another request read KV once the first read has outlived the KV deadline", async () => {
    const { kv, clock, rt, store } = await storeWithExpiredCopy();
    void store.load(rt, handle); // its read never answers (its request was cancelled)
    clock.nowMs += KV_TIMEOUT_MS;
    void store.load(rt, handle);
    expect(kv.reads).toBe(2);
  });

  it("never serves a held record to a fresh load", async () => {
    const { kv, answerReads, rt, store } = await storeWithExpiredCopy();
    const first = store.load(rt, handle);
    const fresh = store.load(rt, handle, { fresh: true });
    expect(kv.reads).toBe(2);
    answerReads();
    const [a, b] = await Promise.all([first, fresh]);
    expect(a.ok && a.value?.claims.sub).toBe("after");
    expect(b.ok && b.value?.claims.sub).toBe("after");
  });
});
