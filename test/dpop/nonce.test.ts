import { describe, expect, it } from "vitest";
import { DpopNonces } from "../../src/dpop/nonce.ts";

const SECRET = "test-only-dpop-nonce-secret-83c1e5a7f2d94b06";
const WINDOW_SECONDS = 120;
/** The first millisecond of a window. */
const WINDOW_START_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
const windows = (n: number) => WINDOW_START_MS + n * WINDOW_SECONDS * 1000;

describe("stateless DPoP server nonces (RFC 9449 §9)", () => {
  it("makes an opaque base64url nonce, the same in every isolate of a deployment for one window", async () => {
    const one = new DpopNonces({ secret: SECRET, windowSeconds: WINDOW_SECONDS });
    const two = new DpopNonces({ secret: SECRET, windowSeconds: WINDOW_SECONDS });
    const nonce = await one.current(windows(0));
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await two.current(windows(1) - 1)).toBe(nonce);
    expect(await two.current(windows(1))).not.toBe(nonce);
  });

  it("accepts a nonce in its own window and the next, and no later", async () => {
    const nonces = new DpopNonces({ secret: SECRET, windowSeconds: WINDOW_SECONDS });
    const nonce = await nonces.current(windows(0));
    expect(await nonces.judge(nonce, windows(0))).toBe("current");
    expect(await nonces.judge(nonce, windows(2) - 1)).toBe("previous");
    expect(await nonces.judge(nonce, windows(2))).toBe("invalid");
    // A clock that steps back a little (another location's) still knows the window it left.
    expect(await nonces.judge(nonce, windows(0) + 1)).toBe("current");
  });

  it("does not accept a nonce of a window that has not begun", async () => {
    const nonces = new DpopNonces({ secret: SECRET, windowSeconds: WINDOW_SECONDS });
    expect(await nonces.judge(await nonces.current(windows(1)), windows(0))).toBe("invalid");
  });

  it("tells a missing nonce from a wrong one, and refuses other secrets' and window lengths' nonces", async () => {
    const nonces = new DpopNonces({ secret: SECRET, windowSeconds: WINDOW_SECONDS });
    expect(await nonces.judge(undefined, windows(0))).toBe("missing");
    for (const claim of [null, 1, ["x"], ""]) expect(await nonces.judge(claim, windows(0))).toBe("invalid");
    const otherSecret = new DpopNonces({ secret: `${SECRET}x`, windowSeconds: WINDOW_SECONDS });
    const otherWindow = new DpopNonces({ secret: SECRET, windowSeconds: 60 });
    expect(await nonces.judge(await otherSecret.current(windows(0)), windows(0))).toBe("invalid");
    expect(await nonces.judge(await otherWindow.current(windows(0)), windows(0))).toBe("invalid");
  });
});
