import { BINDING_NAMES } from "./bindings.ts";
import { editDistance } from "./edit-distance.ts";
import type { ConfigProblem } from "./problem.ts";
import { KNOWN_VARS } from "./schema.ts";

/** The first word of every known var (`OIDC_`, `SESSION_`, `JWKS_`…): a var starting so looks like ours. */
const KNOWN_PREFIXES: ReadonlySet<string> = new Set(KNOWN_VARS.map(prefixOf).filter((p) => p !== ""));

/**
 * Vars edge-auth does not read but that look like its own: named with one of its prefixes, or close
 * to one of its names (`GROUP_CLAIM`, `OIDC_SCOPE`, `SESION_ABSOLUTE_TTL_SECONDS`). They would be
 * ignored, silently, so each gets a problem with a did-you-mean. Other names (the origin's own vars,
 * bindings) are left alone.
 */
export function unknownVarProblems(names: Iterable<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of names) {
    if (KNOWN_VARS.includes(name) || (BINDING_NAMES as readonly string[]).includes(name)) continue;
    const suggestion = closestKnownVar(name);
    const prefix = prefixOf(name.toUpperCase());
    if (suggestion !== undefined) {
      const caseOnly = suggestion === name.toUpperCase() ? " (names are case-sensitive)" : "";
      problems.push({
        path: name,
        message: `is not an edge-auth setting and is ignored; did you mean ${suggestion}?${caseOnly}`,
      });
    } else if (KNOWN_PREFIXES.has(prefix)) {
      const family = KNOWN_VARS.filter((known) => known.startsWith(prefix));
      problems.push({
        path: name,
        message: `is not an edge-auth setting and is ignored; the ${prefix} settings are ${family.join(", ")}`,
      });
    }
  }
  return problems;
}

/** The known var nearest to `name` (case-insensitively), if it is close enough to be a typo of it. */
export function closestKnownVar(name: string): string | undefined {
  const upper = name.toUpperCase();
  const allowed = Math.max(1, Math.min(4, Math.floor(upper.length / 5)));
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN_VARS) {
    const distance = editDistance(upper, known);
    if (distance <= allowed && (best === undefined || distance < best.distance))
      best = { name: known, distance };
  }
  return best?.name;
}

function prefixOf(name: string): string {
  const underscore = name.indexOf("_");
  return underscore <= 0 ? "" : name.slice(0, underscore + 1);
}
