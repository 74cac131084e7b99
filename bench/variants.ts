/**
 * The variants served side by side in one workerd process: the pass-through ceiling, the one-verify
 * floors, edge-auth in its configurations, two hand-written peers, and the fake provider and KV they
 * use. Each is checked to forward a valid token and refuse a forged one before it is measured.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CLIENT_ID,
  edgeAuthVars,
  ORIGIN_BINDING,
  ORIGIN_BODY,
  PROTECTED_PATH,
  peerVars,
  routeRules,
  type WorkerDef,
} from "./harness.ts";
import type { TokenPools } from "./pools.ts";
import { freePort } from "./processes.ts";
import { type BenchKey, jwksOf } from "./tokens.ts";

export type VariantPorts = Readonly<Record<VariantName, number>>;

type VariantName =
  | "passthrough"
  | "floorRs"
  | "floorEs"
  | "edgeAuth"
  | "edgeAuthRoutes1000"
  | "edgeAuthKeys50"
  | "edgeAuthIssuers3"
  | "edgeAuthAssertion"
  | "edgeAuthUnlogged"
  | "jose"
  | "hono"
  | "baseline"
  | "baselineRoutes1000";

/** A free loopback port for every variant. */
export async function allocateVariantPorts(): Promise<VariantPorts> {
  const port = async () => freePort();
  return {
    passthrough: await port(),
    floorRs: await port(),
    floorEs: await port(),
    edgeAuth: await port(),
    edgeAuthRoutes1000: await port(),
    edgeAuthKeys50: await port(),
    edgeAuthIssuers3: await port(),
    edgeAuthAssertion: await port(),
    edgeAuthUnlogged: await port(),
    jose: await port(),
    hono: await port(),
    baseline: await port(),
    baselineRoutes1000: await port(),
  };
}

export interface VariantSetup {
  readonly ports: { readonly upstream: number; readonly kv: number };
  readonly variantPorts: VariantPorts;
  readonly issuer: string;
  readonly issuer50: string;
  readonly tokens: TokenPools;
  readonly baselineRef: string | undefined;
}

/** The workers of the bench's workerd process, each on its own socket. */
export function variantDefs(setup: VariantSetup): WorkerDef[] {
  const { ports, variantPorts, issuer, issuer50, baselineRef } = setup;
  const { rsKey, esKey, keys50 } = setup.tokens;
  const issuers = [
    { path: "/idp", issuer, clientId: CLIENT_ID, jwks: jwksOf([rsKey, esKey]), signingJwk: rsKey.privateJwk },
    { path: "/idp-k50", issuer: issuer50, clientId: CLIENT_ID, jwks: jwksOf(keys50) },
  ];
  const floorVars = (key: BenchKey) => [
    ORIGIN_BINDING,
    { name: "PUBLIC_JWK", json: key.publicJwk },
    { name: "ALG", text: key.alg },
  ];
  const defs: WorkerDef[] = [
    {
      name: "upstream",
      module: "upstream",
      port: ports.upstream,
      bindings: [{ name: "SETUP", json: { issuers } }],
    },
    { name: "kv", module: "kv-store", port: ports.kv, bindings: [] },
    {
      name: "passthrough",
      module: "passthrough",
      port: variantPorts.passthrough,
      bindings: [ORIGIN_BINDING],
      outbound: "upstream",
    },
    {
      name: "floor-rs256",
      module: "floor",
      port: variantPorts.floorRs,
      bindings: floorVars(rsKey),
      outbound: "upstream",
    },
    {
      name: "floor-es256",
      module: "floor",
      port: variantPorts.floorEs,
      bindings: floorVars(esKey),
      outbound: "upstream",
    },
    {
      name: "edge-auth",
      module: "edge-auth",
      port: variantPorts.edgeAuth,
      bindings: edgeAuthVars(issuer, routeRules(10)),
      outbound: "upstream",
    },
    {
      name: "edge-auth-routes1000",
      module: "edge-auth",
      port: variantPorts.edgeAuthRoutes1000,
      bindings: edgeAuthVars(issuer, routeRules(1000)),
      outbound: "upstream",
    },
    {
      name: "edge-auth-keys50",
      module: "edge-auth",
      port: variantPorts.edgeAuthKeys50,
      bindings: edgeAuthVars(issuer50, routeRules(10)),
      outbound: "upstream",
    },
    {
      name: "edge-auth-issuers3",
      module: "edge-auth",
      port: variantPorts.edgeAuthIssuers3,
      bindings: edgeAuthVars(issuer, routeRulesWithIssuers(routeRules(10)), threeIssuers(issuer)),
      outbound: "upstream",
    },
    {
      // The signed identity assertion on (docs/assertion.md): an EC P-256 key made for this run.
      name: "edge-auth-assertion",
      module: "edge-auth",
      port: variantPorts.edgeAuthAssertion,
      bindings: [
        ...edgeAuthVars(issuer, routeRules(10)),
        {
          name: "ASSERTION_SIGNING_KEY",
          text: JSON.stringify(
            generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
          ),
        },
      ],
      outbound: "upstream",
    },
    {
      // Allowed requests not logged (LOG_SAMPLE_RATE = 0; refusals still are): what the one decision
      // line per request costs in workerd, measured beside the default.
      name: "edge-auth-unlogged",
      module: "edge-auth",
      port: variantPorts.edgeAuthUnlogged,
      bindings: [...edgeAuthVars(issuer, routeRules(10)), { name: "LOG_SAMPLE_RATE", text: "0" }],
      outbound: "upstream",
    },
    {
      name: "jose-remote",
      module: "jose-remote",
      port: variantPorts.jose,
      bindings: peerVars(issuer),
      outbound: "upstream",
    },
    {
      name: "hono-jwk",
      module: "hono-jwk",
      port: variantPorts.hono,
      bindings: peerVars(issuer),
      outbound: "upstream",
    },
  ];
  if (baselineRef)
    defs.push(
      {
        name: "edge-auth-baseline",
        module: "edge-auth-baseline",
        port: variantPorts.baseline,
        bindings: edgeAuthVars(issuer, routeRules(10)),
        outbound: "upstream",
      },
      {
        name: "edge-auth-baseline-routes1000",
        module: "edge-auth-baseline",
        port: variantPorts.baselineRoutes1000,
        bindings: edgeAuthVars(issuer, routeRules(1000)),
        outbound: "upstream",
      },
    );
  return defs;
}

/**
 * Two issuers besides the sign-in issuer (their tokens are never sent, so their providers are never
 * asked): what selection by `iss` costs when a route accepts three issuers.
 */
function threeIssuers(issuer: string): Record<string, unknown>[] {
  return [
    { name: "ci", issuer: `${issuer}-ci`, audiences: ["https://deploy.example"], token_types: ["id_token"] },
    {
      name: "api",
      issuer: `${issuer}-api`,
      audiences: ["https://api.example"],
      token_types: ["access_token"],
    },
  ];
}

function routeRulesWithIssuers(rules: Record<string, unknown>[]): Record<string, unknown>[] {
  return rules.map((rule) =>
    rule.access === "public" ? rule : { ...rule, issuers: ["ci", "login", "api"] },
  );
}

/** Throws unless every variant forwards a valid token and (except the pass-through) refuses a forged one. */
export async function checkVariants(
  variantPorts: VariantPorts,
  files: TokenPools["files"],
  baselineRef: string | undefined,
  dir: string,
): Promise<void> {
  const firstOf = (file: string) => readFileSync(file, "utf8").split("\n", 1)[0] as string;
  const checks: [number, string, boolean][] = [
    [variantPorts.passthrough, files.rs, false],
    [variantPorts.floorRs, files.rs, true],
    [variantPorts.floorEs, files.es, true],
    [variantPorts.edgeAuth, files.rs, true],
    [variantPorts.edgeAuth, files.es, true],
    [variantPorts.edgeAuth, files.rs8k, true],
    [variantPorts.edgeAuthRoutes1000, files.rs, true],
    [variantPorts.edgeAuthKeys50, files.k50, true],
    [variantPorts.edgeAuthIssuers3, files.rs, true],
    [variantPorts.edgeAuthAssertion, files.rs, true],
    [variantPorts.edgeAuthUnlogged, files.rs, true],
    [variantPorts.floorRs, files.rs8k, true],
    [variantPorts.jose, files.rs, true],
    [variantPorts.jose, files.es, true],
    [variantPorts.hono, files.rs, true],
    ...(baselineRef ? [[variantPorts.baseline, files.rs, true] as [number, string, boolean]] : []),
  ];
  for (const [checkPort, file, gated] of checks) {
    const bearer = firstOf(file);
    const good = await fetch(`http://127.0.0.1:${checkPort}${PROTECTED_PATH}`, {
      headers: { authorization: bearer },
    });
    const goodBody = await good.text();
    const forged = `${bearer.slice(0, -6)}${bearer.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA"}`;
    const bad = await fetch(`http://127.0.0.1:${checkPort}${PROTECTED_PATH}`, {
      headers: { authorization: forged },
    });
    await bad.arrayBuffer();
    if (good.status !== 200 || goodBody !== ORIGIN_BODY || (gated && bad.status !== 401))
      throw new Error(
        `variant on port ${checkPort} is broken: valid token → ${good.status}, forged → ${bad.status}; see ${join(dir, "workerd.log")} (run with --keep)`,
      );
  }
}
