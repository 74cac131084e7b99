/**
 * The DPoP microbenchmark's worker (bench/dpop.ts): runs one step `n` times inside workerd, so the
 * caller can time the requests from outside (workerd's own clock stands still while code runs).
 * `/verify`: verifyDpopProof in full; `/floor`: one ES256 crypto.subtle.verify; `/replay`: one
 * replay-store call (a Durable Object round trip) per iteration, each with a new jti.
 */
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
