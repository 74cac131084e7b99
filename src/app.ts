import { Hono } from "hono";
import { gateRequest, type IsolateState } from "./gate.ts";
import type { Runtime } from "./platform.ts";

/** What each request carries into the routes: the raw bindings, the runtime seam and the isolate state. */
export interface RequestScope {
  readonly env: Readonly<Record<string, unknown>>;
  readonly rt: Runtime;
  readonly state: IsolateState;
}

/** The only place that knows Hono: it wires edge-auth's own endpoints and sends the rest to the gate. */
export function createApp(): Hono<{ Bindings: RequestScope }> {
  const app = new Hono<{ Bindings: RequestScope }>();
  app.all("*", (c) => gateRequest(c.req.raw, c.env.env, c.env.rt, c.env.state));
  return app;
}
