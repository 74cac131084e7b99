import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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
