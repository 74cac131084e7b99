import { DEFAULTS } from "../config/defaults.ts";
import type { ConfigProblem } from "../config/problem.ts";
import { canonicalHeaderName } from "../forward/header-name.ts";
import type { Result } from "../result.ts";
import {
  type AssertionPublishedKey,
  type AssertionSigningJwk,
  parseAssertionPublishedKey,
  parseAssertionSigningKey,
} from "./signing-key.ts";

/** The request header that carries the assertion to the origin; always stripped from client requests. */
export const ASSERTION_HEADER = "X-Auth-Assertion";

/** Signed identity assertions for the origin (docs/assertion.md); present when ASSERTION_SIGNING_KEY is set. */
export interface AssertionSettings {
  /** Signs every assertion. */
  readonly current: AssertionSigningJwk;
  /**
   * Still published in `/auth/jwks.json` (so origins verify during a rotation), never used to sign:
   * its public part is enough.
   */
  readonly previous?: AssertionPublishedKey;
  readonly lifetimeSeconds: number;
  readonly maxGroups: number;
  readonly maxGroupsBytes: number;
  readonly jwksMaxAgeSeconds: number;
}

/**
 * Reads ASSERTION_SIGNING_KEY and ASSERTION_SIGNING_KEY_PREVIOUS from the raw environment. Every
 * problem goes to `problems` with its path; no message repeats a key. Undefined when assertions are off
 * (or the keys are unusable, which `problems` then says).
 */
export function readAssertionSettings(
  env: Readonly<Record<string, unknown>>,
  identityHeaders: unknown,
  problems: ConfigProblem[],
): AssertionSettings | undefined {
  const currentValue = env.ASSERTION_SIGNING_KEY;
  const previousValue = env.ASSERTION_SIGNING_KEY_PREVIOUS;
  if (currentValue === undefined) {
    if (previousValue !== undefined)
      problems.push({
        path: "ASSERTION_SIGNING_KEY_PREVIOUS",
        message:
          "is set but ASSERTION_SIGNING_KEY is not; the previous key is only published next to a current one — set ASSERTION_SIGNING_KEY, or delete this secret",
      });
    return undefined;
  }
  const current = readKey(parseAssertionSigningKey(currentValue), "ASSERTION_SIGNING_KEY", problems);
  const previous =
    previousValue === undefined
      ? undefined
      : readKey(parseAssertionPublishedKey(previousValue), "ASSERTION_SIGNING_KEY_PREVIOUS", problems);
  for (const problem of headerNameClashes(env, identityHeaders)) problems.push(problem);
  if (current === undefined || (previousValue !== undefined && previous === undefined)) return undefined;
  return {
    current,
    ...(previous === undefined ? {} : { previous }),
    lifetimeSeconds: DEFAULTS.assertionLifetimeSeconds,
    maxGroups: DEFAULTS.assertionMaxGroups,
    maxGroupsBytes: DEFAULTS.assertionMaxGroupsBytes,
    jwksMaxAgeSeconds: DEFAULTS.assertionJwksMaxAgeSeconds,
  };
}

function readKey<K>(parsed: Result<K, string>, path: string, problems: ConfigProblem[]): K | undefined {
  if (parsed.ok) return parsed.value;
  problems.push({ path, message: parsed.failure });
  return undefined;
}

/** An identity or token header named like the assertion header would be overwritten by it (or overwrite it). */
function headerNameClashes(
  env: Readonly<Record<string, unknown>>,
  identityHeaders: unknown,
): ConfigProblem[] {
  const taken = canonicalHeaderName(ASSERTION_HEADER);
  const clashes: ConfigProblem[] = [];
  const named: [string, unknown][] = [["FORWARD_TOKEN_HEADER", env.FORWARD_TOKEN_HEADER]];
  if (identityHeaders && typeof identityHeaders === "object")
    for (const [claim, name] of Object.entries(identityHeaders))
      named.push([`IDENTITY_HEADERS.${claim}`, name]);
  for (const [path, name] of named) {
    if (typeof name === "string" && canonicalHeaderName(name.trim()) === taken)
      clashes.push({
        path,
        message: `"${ASSERTION_HEADER}" carries the signed assertion when ASSERTION_SIGNING_KEY is set; choose another name`,
      });
  }
  return clashes;
}
