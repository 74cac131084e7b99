import type { GateConfig } from "../config/config.ts";
import { badLogin, type Failure } from "../failure.ts";
import type { HostRoutes } from "../policy/host-routes.ts";
import { matchRoute } from "../policy/match-route.ts";
import type { StepUpRequirement } from "../policy/step-up.ts";
import { fail, ok, type Result } from "../result.ts";
import { REAUTHENTICATE_PARAM, STEP_UP_PARAM } from "./login-url.ts";

/** What one sign-in attempt asks for on behalf of the route it returns to; kept in its transaction. */
export interface StepUpAttempt {
  readonly routeIndex: number;
  readonly requirement: StepUpRequirement;
}

export interface LoginStepUp {
  readonly attempt?: StepUpAttempt;
  /** Authorization request parameters for this attempt: `acr_values`, `max_age`, `prompt`. */
  readonly authParams: Readonly<Record<string, string>>;
  /** The `max_age` sent, if any: the callback then requires `auth_time` (OIDC Core §3.1.3.7 rule 13). */
  readonly maxAgeSeconds?: number;
}

const ROUTE_INDEX = /^(0|[1-9]\d{0,5})$/;

/**
 * What a sign-in returning to `returnTo` asks the provider for. The requirement always comes from the
 * route `returnTo` leads to, through the gate's own matcher — never from the query: `step_up=<index>`
 * only says the browser was sent to step up (its index must name that same route, else the attempt
 * is refused as `step_up_mismatch`) and `reauth=1` adds `prompt=login`. A first sign-in to a route
 * with a requirement asks for it straight away. The route's `max_age` is sent as the smaller of it and
 * a global `max_age` (OIDC_AUTH_PARAMS); its `acr_values` replace a global one for this attempt.
 */
export function stepUpForLogin(
  config: GateConfig,
  routes: HostRoutes,
  hostname: string,
  returnTo: string,
  query: URLSearchParams,
): Result<LoginStepUp, Failure> {
  // An ambiguous path has no route to step up for; the gate refuses it when the browser comes back.
  const matched = matchRoute(routes, hostname, pathOf(returnTo));
  const route = matched.ok ? matched.value : undefined;
  const requested = query.get(STEP_UP_PARAM);
  if (
    requested !== null &&
    (!ROUTE_INDEX.test(requested) || Number(requested) !== route?.index || !route.stepUp)
  )
    return fail(badLogin("step_up_mismatch", "step_up does not name the route return_to leads to"));
  const globalMaxAge = config.login.maxAgeSeconds;
  const requirement = route?.stepUp;
  if (route === undefined || requirement === undefined)
    return ok({ authParams: {}, ...(globalMaxAge === undefined ? {} : { maxAgeSeconds: globalMaxAge }) });

  const authParams: Record<string, string> = {};
  if (requirement.acr) authParams.acr_values = requirement.acr.join(" ");
  const maxAgeSeconds =
    requirement.maxAgeSeconds === undefined
      ? globalMaxAge
      : Math.min(requirement.maxAgeSeconds, globalMaxAge ?? Number.POSITIVE_INFINITY);
  if (maxAgeSeconds !== undefined) authParams.max_age = String(maxAgeSeconds);
  if (requested !== null && query.get(REAUTHENTICATE_PARAM) === "1") authParams.prompt = "login";
  return ok({
    attempt: { routeIndex: route.index, requirement },
    authParams,
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
  });
}

/** The path of a `return_to` that safeReturnTo kept (a path and an optional query, no fragment). */
function pathOf(returnTo: string): string {
  const query = returnTo.indexOf("?");
  return query === -1 ? returnTo : returnTo.slice(0, query);
}

/** A step-up attempt read back from a sealed transaction, if it has the expected shape. */
export function parseStepUpAttempt(value: unknown): StepUpAttempt | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { routeIndex, requirement } = value as { routeIndex?: unknown; requirement?: unknown };
  if (!Number.isInteger(routeIndex) || requirement === null || typeof requirement !== "object")
    return undefined;
  const { acr, amr, maxAgeSeconds } = requirement as Record<string, unknown>;
  const strings = (list: unknown) =>
    list === undefined || (Array.isArray(list) && list.every((item) => typeof item === "string"));
  if (!strings(acr) || !strings(amr)) return undefined;
  if (maxAgeSeconds !== undefined && !Number.isInteger(maxAgeSeconds)) return undefined;
  return value as StepUpAttempt;
}
