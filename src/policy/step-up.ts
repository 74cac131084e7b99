import { jsonTypeOf } from "./claim-types.ts";

/**
 * What a route asks of the authentication behind an identity (route fields `require_acr`,
 * `require_amr`, `max_age`). Each part that is present must hold.
 */
export interface StepUpRequirement {
  /** Any of these `acr` values (OIDC Core §2). */
  readonly acr?: readonly string[];
  /** Any of these in the `amr` array (RFC 8176 values such as `mfa`, `hwk`). */
  readonly amr?: readonly string[];
  /** At most this many seconds since `auth_time`. */
  readonly maxAgeSeconds?: number;
}

/** Which parts of a requirement the authentication falls short of, and why (for the log). */
export interface StepUpShortfall {
  readonly requirement: StepUpRequirement;
  readonly acrUnmet: boolean;
  readonly amrUnmet: boolean;
  /** `auth_time` is missing, not a number, in the future or older than `max_age`. */
  readonly tooOld: boolean;
  /** Log-only: which claims fell short and how (never a claim's value). */
  readonly detail: string;
}

export type StepUpVerdict =
  | { readonly satisfied: true }
  | { readonly satisfied: false; readonly shortfall: StepUpShortfall };

const SATISFIED: StepUpVerdict = { satisfied: true };

/**
 * Whether verified claims satisfy a route's step-up requirement at `nowSeconds`. A missing claim is
 * never a match, and neither is one of the wrong JSON type: `acr` must be a string, `amr` an array of
 * strings, `auth_time` a finite number no later than now (with `leewaySeconds` for the provider's
 * clock). Costs a few property reads; a route without a requirement costs nothing.
 */
export function judgeStepUp(
  requirement: StepUpRequirement | undefined,
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  leewaySeconds: number,
): StepUpVerdict {
  if (requirement === undefined) return SATISFIED;
  const problems: string[] = [];
  const acrUnmet = requirement.acr !== undefined && !acrMatches(requirement.acr, claims, problems);
  const amrUnmet = requirement.amr !== undefined && !amrMatches(requirement.amr, claims, problems);
  const tooOld =
    requirement.maxAgeSeconds !== undefined &&
    !recentEnough(requirement.maxAgeSeconds, claims, nowSeconds, leewaySeconds, problems);
  if (!acrUnmet && !amrUnmet && !tooOld) return SATISFIED;
  return {
    satisfied: false,
    shortfall: { requirement, acrUnmet, amrUnmet, tooOld, detail: problems.join("; ") },
  };
}

function own(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

function acrMatches(
  wanted: readonly string[],
  claims: Readonly<Record<string, unknown>>,
  problems: string[],
) {
  const acr = own(claims, "acr");
  if (acr === undefined) problems.push("acr: absent");
  else if (typeof acr !== "string") problems.push(`acr: ${jsonTypeOf(acr)}, not string`);
  else if (wanted.includes(acr)) return true;
  else problems.push("acr: not listed");
  return false;
}

function amrMatches(
  wanted: readonly string[],
  claims: Readonly<Record<string, unknown>>,
  problems: string[],
) {
  const amr = own(claims, "amr");
  if (amr === undefined) problems.push("amr: absent");
  else if (!Array.isArray(amr) || !amr.every((method) => typeof method === "string"))
    problems.push(`amr: ${jsonTypeOf(amr)}, not array of strings`);
  else if (amr.some((method: string) => wanted.includes(method))) return true;
  else problems.push("amr: none listed");
  return false;
}

function recentEnough(
  maxAgeSeconds: number,
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  leewaySeconds: number,
  problems: string[],
): boolean {
  const authTime = own(claims, "auth_time");
  if (authTime === undefined) problems.push("auth_time: absent");
  else if (typeof authTime !== "number" || !Number.isFinite(authTime))
    problems.push(`auth_time: ${jsonTypeOf(authTime)}, not a finite number`);
  else if (authTime > nowSeconds + leewaySeconds) problems.push("auth_time: in the future");
  else if (nowSeconds > authTime + maxAgeSeconds + leewaySeconds) problems.push("auth_time: too old");
  else return true;
  return false;
}
