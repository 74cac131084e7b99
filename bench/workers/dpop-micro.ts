/**
 * The DPoP microbenchmark's worker (bench/dpop.ts): runs one step `n` times inside workerd, so the
 * caller can time the requests from outside (workerd's own clock stands still while code runs).
 * `/verify`: verifyDpopProof in full; `/floor`: one ES256 crypto.subtle.verify; `/replay`: one
 * replay-store call (a Durable Object round trip) per iteration, each with a new jti. The server
 * nonce check of DPOP_NONCE = "required" (src/dpop/nonce.ts): `/nonce` judges a current nonce in a
 * warm isolate (its window's nonce known); `/nonce-window` judges one at the first request of each
 * window (one HMAC); `/nonce-cold` in a new isolate each time (HKDF key derivation and the HMACs).
 */
import { DpopNonces } from "../../src/dpop/nonce.ts";
import { verifyDpopProof } from "../../src/dpop/proof.ts";
import type { DpopReplayObject } from "../../src/dpop/replay-object.ts";
import { durableReplayStore } from "../../src/dpop/replay-store.ts";

export { DpopReplayObject } from "../../src/dpop/replay-object.ts";

interface Input {
  readonly proof: string;
  readonly token: string;
  readonly htu: string;
  readonly iat: number;
  readonly jwk: JsonWebKey;
}

let run = 0;

const NONCE_SETTINGS = { secret: "bench-only-dpop-nonce-secret-5e0c7b2a9f14d83e", windowSeconds: 120 };
const WINDOW_MS = NONCE_SETTINGS.windowSeconds * 1000;
/** One isolate's nonces, kept across requests as the gate keeps them (IsolateState). */
const warmNonces = new DpopNonces(NONCE_SETTINGS);

/** Judges `n` nonces; `fresh` makes a new isolate's nonces each time, `step` moves the clock. */
async function judgeNonces(n: number, fresh: boolean, stepMs: number): Promise<Response | undefined> {
  const start = Date.now();
  for (let i = 0; i < n; i++) {
    const nowMs = start + i * stepMs;
    const nonces = fresh ? new DpopNonces(NONCE_SETTINGS) : warmNonces;
    // The client's nonce from the window before when the clock moves, else this window's.
    const claim = await warmNonces.current(nowMs - stepMs);
    const verdict = await nonces.judge(claim, nowMs);
    if (verdict !== (stepMs === 0 ? "current" : "previous")) return new Response(verdict, { status: 500 });
  }
  return undefined;
}

export default {
  async fetch(request: Request, env: { DPOP_REPLAY: DurableObjectNamespace<DpopReplayObject> }) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const input = (await request.json()) as Input;
    if (url.pathname === "/verify") {
      for (let i = 0; i < n; i++) {
        const verified = await verifyDpopProof(input.proof, {
          method: "GET",
          url: new URL(input.htu),
          accessToken: input.token,
          nowSeconds: input.iat,
          allowedAlgorithms: ["ES256"],
          windowSeconds: 60,
          leewaySeconds: 30,
        });
        if (!verified.ok) return new Response(verified.failure, { status: 500 });
      }
    } else if (url.pathname === "/floor") {
      const key = await crypto.subtle.importKey(
        "jwk",
        input.jwk,
        { name: "ECDSA", namedCurve: "P-256" },
        false,
        ["verify"],
      );
      const [head, body, sig] = input.proof.split(".") as [string, string, string];
      const signature = Uint8Array.from(atob(sig.replace(/-/g, "+").replace(/_/g, "/")), (c) =>
        c.charCodeAt(0),
      );
      const data = new TextEncoder().encode(`${head}.${body}`);
      for (let i = 0; i < n; i++)
        if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data)))
          return new Response("floor failed", { status: 500 });
    } else if (url.pathname === "/nonce") {
      const failed = await judgeNonces(n, false, 0);
      if (failed) return failed;
    } else if (url.pathname === "/nonce-window") {
      const failed = await judgeNonces(n, false, WINDOW_MS);
      if (failed) return failed;
    } else if (url.pathname === "/nonce-cold") {
      const failed = await judgeNonces(n, true, 0);
      if (failed) return failed;
    } else if (url.pathname === "/replay") {
      const store = durableReplayStore(env.DPOP_REPLAY);
      run++;
      for (let i = 0; i < n; i++) {
        const verdict = await store.check("bench-jkt", `${run}-${i}`, Date.now() + 90_000, Date.now());
        if (verdict !== "fresh") return new Response(JSON.stringify(verdict), { status: 500 });
      }
    }
    return new Response("ok");
  },
};
