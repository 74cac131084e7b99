/** The load cases, in interleaving order: compared cases run next to each other in every round. */
import { PROTECTED_PATH } from "./harness.ts";
import type { Case } from "./measure.ts";
import { averageBytes, type TokenPools } from "./pools.ts";
import type { VariantPorts } from "./variants.ts";

export interface CaseSetup {
  readonly connections: number;
  readonly variantPorts: VariantPorts;
  readonly tokens: TokenPools;
  /** The session cookie file for case (e), when the build has a login flow. */
  readonly sessionFile: string | undefined;
  /** The same for the variant with the signed assertion on. */
  readonly assertionSessionFile: string | undefined;
  readonly baselineRef: string | undefined;
}

/** Every case: the main ones, scaling, concurrency at 1 and 256, and the baseline's counterparts. */
export function benchCases(setup: CaseSetup): Case[] {
  const { connections, variantPorts, sessionFile, assertionSessionFile, baselineRef } = setup;
  const { files, pools } = setup.tokens;
  const bearer = (file: string) => ({ name: "Authorization", valuesFile: file });
  const bytes = {
    rs: averageBytes(pools.rs) + 7,
    es: averageBytes(pools.es) + 7,
    rs8k: averageBytes(pools.rs8k) + 7,
  };
  const at = (c: number, id: string) => (c === connections ? id : `${id}@c${c}`);
  const allCases: Case[] = [];
  for (const c of [connections, 1, 256]) {
    const section = c === connections ? "main" : "concurrency";
    const a = at(c, "a");
    const bRs = at(c, "b-rs256");
    const common = { path: PROTECTED_PATH, connections: c, section } as const;
    allCases.push(
      {
        ...common,
        id: a,
        label: "(a) pass-through, no auth (ceiling)",
        port: variantPorts.passthrough,
        header: bearer(files.rs),
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: bRs,
        label: "(b) floor: one crypto.subtle.verify, RS256",
        port: variantPorts.floorRs,
        header: bearer(files.rs),
        ceiling: a,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: at(c, "c-rs256"),
        label: "(c) edge-auth, bearer, new token each request, RS256",
        port: variantPorts.edgeAuth,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
    );
    if (c !== connections) continue;
    allCases.push(
      {
        ...common,
        section: "scaling",
        id: "c-routes1000",
        label: "(c) RS256 with 1,000 route rules (vs 10)",
        port: variantPorts.edgeAuthRoutes1000,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        section: "scaling",
        id: "c-keys50",
        label: "(c) RS256 with 50 keys in the JWKS (vs 2)",
        port: variantPorts.edgeAuthKeys50,
        header: bearer(files.k50),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: averageBytes(pools.k50) + 7,
      },
      {
        ...common,
        section: "scaling",
        id: "c-issuers3",
        label: "(c) RS256 on routes of 3 issuers (vs 1)",
        port: variantPorts.edgeAuthIssuers3,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        section: "scaling",
        id: "c-token8k",
        label: "(c) RS256 with 8 KB tokens (vs 1 KB)",
        port: variantPorts.edgeAuth,
        header: bearer(files.rs8k),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: bytes.rs8k,
      },
      {
        ...common,
        section: "scaling",
        id: "b-token8k",
        label: "(b) floor RS256 with 8 KB tokens (vs 1 KB)",
        port: variantPorts.floorRs,
        header: bearer(files.rs8k),
        ceiling: a,
        baseline: bRs,
        credentialBytes: bytes.rs8k,
      },
      {
        ...common,
        id: "f-jose-rs256",
        label: "(f) hand-written jose worker, RS256",
        port: variantPorts.jose,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: "f-hono-rs256",
        label: "(f) hono jwk middleware, RS256",
        port: variantPorts.hono,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: "d-repeat",
        label: "(d) edge-auth, bearer, the same token repeated",
        port: variantPorts.edgeAuth,
        header: bearer(files.repeat),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
    );
    if (sessionFile)
      allCases.push({
        ...common,
        id: "e-session",
        label: "(e) edge-auth, browser session cookie",
        port: variantPorts.edgeAuth,
        header: { name: "Cookie", valuesFile: sessionFile },
        ceiling: a,
      });
    allCases.push({
      ...common,
      id: "d-assertion",
      label: "(d) the same token repeated, signed assertion on",
      port: variantPorts.edgeAuthAssertion,
      header: bearer(files.repeat),
      ceiling: a,
      floor: bRs,
      credentialBytes: bytes.rs,
    });
    allCases.push(
      {
        ...common,
        id: "d-unlogged",
        label: "(d) the same token repeated, allowed requests not logged (LOG_SAMPLE_RATE=0)",
        port: variantPorts.edgeAuthUnlogged,
        header: bearer(files.repeat),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: "c-unlogged",
        label: "(c) RS256, allowed requests not logged (LOG_SAMPLE_RATE=0)",
        port: variantPorts.edgeAuthUnlogged,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
    );
    if (assertionSessionFile)
      allCases.push({
        ...common,
        id: "e-assertion",
        label: "(e) session cookie, signed assertion on",
        port: variantPorts.edgeAuthAssertion,
        header: { name: "Cookie", valuesFile: assertionSessionFile },
        ceiling: a,
      });
    allCases.push(
      {
        ...common,
        id: "b-es256",
        label: "(b) floor: one crypto.subtle.verify, ES256",
        port: variantPorts.floorEs,
        header: bearer(files.es),
        ceiling: a,
        credentialBytes: bytes.es,
      },
      {
        ...common,
        id: "c-es256",
        label: "(c) edge-auth, bearer, new token each request, ES256",
        port: variantPorts.edgeAuth,
        header: bearer(files.es),
        ceiling: a,
        floor: "b-es256",
        credentialBytes: bytes.es,
      },
      {
        ...common,
        id: "f-jose-es256",
        label: "(f) hand-written jose worker, ES256",
        port: variantPorts.jose,
        header: bearer(files.es),
        ceiling: a,
        floor: "b-es256",
        credentialBytes: bytes.es,
      },
    );
  }
  if (baselineRef) {
    // Each compared case runs right after its counterpart in this tree.
    const baselinePorts: Record<string, number> = {
      "c-rs256": variantPorts.baseline,
      "d-repeat": variantPorts.baseline,
      "c-es256": variantPorts.baseline,
      "c-routes1000": variantPorts.baselineRoutes1000,
      "c-token8k": variantPorts.baseline,
    };
    for (const [id, baselinePort] of Object.entries(baselinePorts)) {
      const index = allCases.findIndex((c) => c.id === id);
      const current = allCases[index];
      if (!current) continue;
      allCases.splice(index + 1, 0, {
        ...current,
        id: `${id}@baseline`,
        label: `${current.label} — at ${baselineRef}`,
        section: "baseline",
        port: baselinePort,
        baseline: id,
      });
    }
  }
  return allCases;
}
