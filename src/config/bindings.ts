import type { ConfigProblem } from "./problem.ts";

/** The bindings edge-auth uses, by the names it expects them under. */
export const BINDINGS = {
  /** Required: sessions, sign-in attempts, revocations, the shared key cache. */
  kv: "AUTH_KV",
  /** Optional: the static site to serve (the `[assets]` block). */
  assets: "ASSETS",
  /** Optional: Analytics Engine metrics (docs/operations.md). */
  metrics: "AUTH_METRICS",
  /** Optional: the revocation fence, a Durable Object namespace (docs/operations.md). */
  fence: "REVOCATION_FENCE",
  /** Optional: the DPoP replay store, a Durable Object namespace (docs/dpop.md). */
  dpopReplay: "DPOP_REPLAY",
} as const;

export const BINDING_NAMES = Object.values(BINDINGS);

/**
 * The bindings the worker cannot run without. Without `AUTH_KV`, revocations would fail open and
 * sessions could not be kept, so a missing one refuses the configuration like a bad var does.
 */
export function bindingProblems(env: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const kv = env[BINDINGS.kv];
  if (isKvNamespace(kv)) return [];
  const got = kv === undefined ? "is not bound" : `is a ${typeof kv} var, not a KV namespace binding`;
  return [
    {
      path: BINDINGS.kv,
      message: `${got}: edge-auth keeps sessions, sign-in attempts, revocations and its key cache there; create one (\`npx wrangler kv namespace create AUTH_KV\`) and add [[kv_namespaces]] binding = "AUTH_KV" with its id to wrangler.toml`,
    },
  ];
}

function isKvNamespace(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const kv = value as Record<string, unknown>;
  return typeof kv.get === "function" && typeof kv.put === "function";
}
