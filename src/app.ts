import { Hono } from "hono";
import { gateRequest, type IsolateState } from "./gate.ts";
import { respondWithHealth } from "./health/health-document.ts";
import { recordDecision } from "./observe/record-decision.ts";
import type { Runtime } from "./platform.ts";
import { NO_STORE } from "./respond/failure-response.ts";

/** What each request carries into the routes: the raw bindings, the runtime seam and the isolate state. */
export interface RequestScope {
  readonly env: Readonly<Record<string, unknown>>;
  readonly rt: Runtime;
  readonly state: IsolateState;
}

/** The only place that knows Hono: it wires edge-auth's own endpoints and sends the rest to the gate. */
export function createApp(): Hono<{ Bindings: RequestScope }> {
  const app = new Hono<{ Bindings: RequestScope }>();
  app.get("/auth/health", (c) =>
    respondWithHealth(c.env.rt, {
      config: c.env.state.config,
      keys: [c.env.state.keys],
      revocations: c.env.state.revocations,
    }),
  );
  app.all("*", (c) => gateRequest(c.req.raw, c.env.env, c.env.rt, c.env.state));
  // A bug is still a decision: counted and logged (without the error's message), answered generically.
  app.onError((error, c) => {
    recordDecision(c.env.rt, c.env.state.config.observe, {
      requestId: c.req.header("cf-ray") ?? "",
      route: "(error)",
      outcome: "error",
      status: 500,
      reason: "internal_error",
      detail: error instanceof Error ? error.name : "unknown",
      durationMs: 0,
    });
    return new Response("edge-auth failed to handle this request.\n", {
      status: 500,
      headers: { "cache-control": NO_STORE, "content-type": "text/plain; charset=utf-8" },
    });
  });
  return app;
}
