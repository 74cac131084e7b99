import { AUTH_PATHS } from "../config/defaults.ts";

/** A sign-in that steps up: which route asked (found again from `return_to`), and whether to re-authenticate. */
export interface StepUpLink {
  readonly routeIndex: number;
  /** Ask the provider for a fresh authentication (`prompt=login`). */
  readonly reauthenticate: boolean;
}

/** The query parameters of `/auth/login` that mark a step-up (the requirement itself never travels). */
export const STEP_UP_PARAM = "step_up";
export const REAUTHENTICATE_PARAM = "reauth";

/**
 * `/auth/login?return_to=<path>`: where a browser starts signing in to come back to `returnTo` (a
 * path and query on this site; `/auth/login` checks it again, see return-to.ts). A step-up adds
 * `step_up=<route index>` (and `reauth=1`): `/auth/login` finds the route again from `return_to` and
 * asks for what that route needs, whatever the query says.
 */
export function loginUrlFor(returnTo: string, stepUp?: StepUpLink): string {
  const base = `${AUTH_PATHS.login}?return_to=${encodeURIComponent(returnTo)}`;
  if (stepUp === undefined) return base;
  return `${base}&${STEP_UP_PARAM}=${stepUp.routeIndex}${stepUp.reauthenticate ? `&${REAUTHENTICATE_PARAM}=1` : ""}`;
}
