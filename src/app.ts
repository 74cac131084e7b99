import { Hono } from "hono/tiny";
import { respondWithAssertionJwks } from "./assertion/jwks-endpoint.ts";
import { AUTH_PATHS } from "./config/defaults.ts";
import { adminRevoke } from "./fence/admin-revoke.ts";
import { gateRequest } from "./gate.ts";
import { respondWithHealth } from "./health/health-document.ts";
import { isLoopbackHost } from "./http/secure-url.ts";
import type { IsolateState } from "./isolate-state.ts";
import { recordDecision } from "./observe/decision-log.ts";
import { requestIdOf } from "./observe/request-id.ts";
import { backchannelLogout } from "./oidc/backchannel-logout.ts";
import { completeLogin } from "./oidc/callback.ts";
import { frontchannelLogout } from "./oidc/frontchannel-logout.ts";
import { startLogin } from "./oidc/login.ts";
import { logout, showLogoutConfirmation } from "./oidc/logout.ts";
import { signedOutPage, signInNotEnabledPage } from "./pages/pages.ts";
import type { Runtime } from "./platform.ts";
import { redirect, respondToFailure } from "./respond/failure-response.ts";
import { whoami } from "./whoami.ts";

/** What each request carries into the routes: the raw bindings, the runtime seam and the isolate state. */
export interface RequestScope {
  readonly env: Readonly<Record<string, unknown>>;
  readonly rt: Runtime;
  readonly state: IsolateState;
}

type Handler = (request: Request, rt: Runtime, state: IsolateState) => Promise<Response> | Response;

/**
 * The only place that knows Hono: it wires edge-auth's own endpoints (sign-in, callback, sign-out,
 * whoami, the assertion keys, the provider's logout requests) and sends every other request to the gate.
 */
export function createApp(): Hono<{ Bindings: RequestScope }> {
  const app = new Hono<{ Bindings: RequestScope }>();
  app.get(AUTH_PATHS.health, (c) =>
    respondWithHealth(
      c.env.rt,
      {
        config: c.env.state.config,
        fingerprint: c.env.state.fingerprint,
        keys: [...c.env.state.issuerKeys.values()],
        revocations: c.env.state.revocations,
      },
      c.req.raw,
    ),
  );
  const own =
    (handler: Handler, needsLogin = false) =>
    (c: { req: { raw: Request }; env: RequestScope }) => {
      const { rt, state } = c.env;
      const url = new URL(c.req.raw.url);
      // Cookies and the code flow need https; plain http is for loopback development only.
      if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
        url.protocol = "https:";
        return redirect(308, url.href);
      }
      if (needsLogin && !state.config.loginEnabled) return signInNotEnabledPage();
      return handler(c.req.raw, rt, state);
    };

  app.get(AUTH_PATHS.login, own(startLogin, true));
  app.get(AUTH_PATHS.callback, own(completeLogin, true));
  app.get(
    AUTH_PATHS.logout,
    own((_request, rt, state) => showLogoutConfirmation(rt, state)),
  );
  app.post(AUTH_PATHS.logout, own(logout));
  app.post(AUTH_PATHS.revoke, own(adminRevoke));
  app.get(
    AUTH_PATHS.signedOut,
    own(() => signedOutPage()),
  );
  app.get(AUTH_PATHS.whoami, own(whoami));
  // Logout requests from the provider (docs/login.md): they end sessions by sid or sub.
  app.post(AUTH_PATHS.backchannelLogout, own(backchannelLogout));
  app.get(AUTH_PATHS.frontchannelLogout, own(frontchannelLogout));
  app.get(
    AUTH_PATHS.jwks,
    own((_request, _rt, state) => respondWithAssertionJwks(state)),
  );
  for (const path of Object.values(AUTH_PATHS)) app.all(path, (c) => methodNotAllowed(c.req.method, path));

  app.all("*", (c) => gateRequest(c.req.raw, new URL(c.req.raw.url), c.env.env, c.env.rt, c.env.state));
  app.onError((error, c) => respondToBug(error, c.req.raw, c.env.rt, c.env.state));
  return app;
}

/**
 * Whether a request must go through the app's router: edge-auth's own paths, and any path with a
 * percent-escape (the router decodes those before it matches). Every other request goes straight
 * to the gate, which is what the router's catch-all would do, without the router's cost.
 */
export function needsRouter(pathname: string): boolean {
  return pathname.startsWith("/auth/") || pathname.includes("%");
}

/** A bug is still a decision: counted and logged (without the error's message), answered generically. */
export function respondToBug(error: unknown, request: Request, rt: Runtime, state: IsolateState): Response {
  const response = respondToFailure({ kind: "internal_error", reason: "internal_error" });
  recordDecision(rt, state.config.observe, {
    requestId: requestIdOf(request),
    route: "(error)",
    outcome: "error",
    status: response.status,
    reason: "internal_error",
    detail: error instanceof Error ? error.name : "unknown",
    durationMs: 0,
  });
  return response;
}

function methodNotAllowed(method: string, path: string): Response {
  const allowed =
    path === AUTH_PATHS.logout
      ? "GET, POST"
      : path === AUTH_PATHS.backchannelLogout || path === AUTH_PATHS.revoke
        ? "POST"
        : "GET";
  return respondToFailure({
    kind: "method_not_allowed",
    reason: "method_not_allowed",
    methods: { sent: method, allowed },
  });
}
