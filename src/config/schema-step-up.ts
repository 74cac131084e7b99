import * as v from "valibot";
import type { StepUpRequirement } from "../policy/step-up.ts";
import type { RoutePolicy } from "./config.ts";
import type { ConfigProblem } from "./problem.ts";

/** The longest `max_age` a route may ask for: 30 days (a longer one is no step-up). */
export const MAX_STEP_UP_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/**
 * One `acr`/`amr` value: it travels space-separated in `acr_values` and inside a quoted-string of the
 * RFC 9470 challenge, so it is printable ASCII without spaces, quotes or backslashes.
 */
const authValue = v.pipe(
  v.string("must be a string"),
  v.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be printable ASCII without spaces, quotes or backslashes"),
);

const authValueList = (example: string) =>
  v.pipe(
    v.array(authValue, `must be a list of strings, e.g. [${example}]`),
    v.minLength(1, `must list at least one value, e.g. [${example}]; or remove it`),
  );

/** The route fields of a step-up requirement (README, "Route rules"). */
export const stepUpFields = {
  require_acr: v.optional(authValueList('"urn:example:mfa"')),
  require_amr: v.optional(authValueList('"mfa", "hwk"')),
  max_age: v.optional(
    v.pipe(
      v.number("must be a whole number of seconds, e.g. 300"),
      v.integer("must be a whole number of seconds, e.g. 300"),
      v.minValue(1, "must be at least 1 second"),
      v.maxValue(
        MAX_STEP_UP_MAX_AGE_SECONDS,
        `must be at most ${MAX_STEP_UP_MAX_AGE_SECONDS} seconds (30 days)`,
      ),
    ),
  ),
};

export const STEP_UP_FIELD_NAMES = ["require_acr", "require_amr", "max_age"] as const;

interface StepUpInput {
  readonly require_acr?: readonly string[] | undefined;
  readonly require_amr?: readonly string[] | undefined;
  readonly max_age?: number | undefined;
}

/** A rule's step-up fields as a requirement, or nothing when it has none. */
export function compileStepUp(rule: StepUpInput): { stepUp?: StepUpRequirement } {
  const { require_acr: acr, require_amr: amr, max_age: maxAgeSeconds } = rule;
  if (acr === undefined && amr === undefined && maxAgeSeconds === undefined) return {};
  return {
    stepUp: {
      ...(acr === undefined ? {} : { acr: [...new Set(acr)] }),
      ...(amr === undefined ? {} : { amr: [...new Set(amr)] }),
      ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    },
  };
}

/** A public route never sees an identity, so a step-up requirement on it could never be checked. */
export function stepUpProblems(routes: readonly RoutePolicy[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const route of routes) {
    const stepUp = route.stepUp;
    if (route.access !== "public" || stepUp === undefined) continue;
    const present = {
      require_acr: stepUp.acr !== undefined,
      require_amr: stepUp.amr !== undefined,
      max_age: stepUp.maxAgeSeconds !== undefined,
    };
    for (const field of STEP_UP_FIELD_NAMES) {
      if (!present[field]) continue;
      problems.push({
        path: `AUTH_ROUTES[${route.index}].${field}`,
        message: `cannot be used on a public route (access = "public" checks no identity); remove ${field}, or remove access = "public"`,
      });
    }
  }
  return problems;
}
