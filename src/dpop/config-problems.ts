import { BINDINGS } from "../config/bindings.ts";
import type { RoutePolicy } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import type { ConfigProblem } from "../config/problem.ts";

/** The binding of the DPoP replay store's Durable Object namespace (wrangler.toml, docs/dpop.md). */
export const DPOP_REPLAY_BINDING = BINDINGS.dpopReplay;

/** `require_dpop` on a public route would mean nothing: the route checks no credential at all. */
export function dpopRouteProblems(routes: readonly RoutePolicy[]): ConfigProblem[] {
  return routes
    .filter((route) => route.requireDpop && route.access === "public")
    .map((route) => ({
      path: `AUTH_ROUTES[${route.index}].require_dpop`,
      message: `a public route checks no credential (pattern ${JSON.stringify(route.pattern)}); remove require_dpop or access = "public"`,
    }));
}

/**
 * A route that requires DPoP cannot work without the replay store: every proof would be refused with
 * a 503. (Without routes that require it, a `cnf.jkt` token is refused the same way; that is a
 * runtime answer, not a configuration error.)
 */
export function dpopBindingProblems(
  routes: readonly RoutePolicy[],
  env: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
  const first = routes.find((route) => route.requireDpop);
  const binding = env[DPOP_REPLAY_BINDING];
  if (first === undefined || isNamespace(binding)) return [];
  return [
    {
      path: DPOP_REPLAY_BINDING,
      message: `is not bound, and AUTH_ROUTES[${first.index}] (${JSON.stringify(first.pattern)}) requires DPoP, whose replayed proofs only a Durable Object can refuse; add [[durable_objects.bindings]] name = "DPOP_REPLAY" class_name = "DpopReplayObject" and its [[migrations]] block to wrangler.toml (docs/dpop.md)`,
    },
  ];
}

function isNamespace(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { idFromName?: unknown }).idFromName === "function"
  );
}

/** The vars DPOP_NONCE reads, as far as they parsed (and as given, to tell "absent" from "broken"). */
interface NonceVars {
  readonly DPOP_NONCE?: string;
  readonly DPOP_NONCE_SECRET?: string;
  readonly SESSION_SECRET?: string;
}

/**
 * DPOP_NONCE = "required" makes its nonces with DPOP_NONCE_SECRET, or with SESSION_SECRET when that is
 * not set: one of them must be there. DPOP_NONCE_SECRET, when set, must be as strong as a session
 * secret (`weakness` says why not; a weak SESSION_SECRET is reported as itself).
 */
export function dpopNonceProblems(
  fields: NonceVars,
  input: Readonly<Record<string, unknown>>,
  weakness: (secret: string) => string | undefined,
): ConfigProblem[] {
  const secret = fields.DPOP_NONCE_SECRET;
  if (secret !== undefined) {
    const weak = weakness(secret);
    return weak === undefined
      ? []
      : [
          {
            path: "DPOP_NONCE_SECRET",
            message: `is too weak (${weak}); use a random value of at least ${DEFAULTS.sessionSecretMinBytes} bytes, e.g. \`openssl rand -base64 32 | npx wrangler secret put DPOP_NONCE_SECRET\``,
          },
        ];
  }
  const sessionSecret = input.SESSION_SECRET;
  const hasSessionSecret = typeof sessionSecret === "string" && sessionSecret.length > 0;
  if (fields.DPOP_NONCE !== "required" || hasSessionSecret || input.DPOP_NONCE_SECRET !== undefined)
    return [];
  return [
    {
      path: "DPOP_NONCE_SECRET",
      message: `is required because DPOP_NONCE = "required" makes its nonces with it (or with SESSION_SECRET, when sign-in is configured); set a random value of at least ${DEFAULTS.sessionSecretMinBytes} bytes (e.g. \`openssl rand -base64 32 | npx wrangler secret put DPOP_NONCE_SECRET\`), or set DPOP_NONCE = "off"`,
    },
  ];
}
