/**
 * The bench's world inside one `workerd serve` process: the fake providers (upstream), an in-memory
 * KV, the origin (static files served natively by workerd, bound to every variant as ASSETS: the
 * cheapest origin there is, so the ratios show the gate's own cost), and one service per variant, each
 * on its own loopback socket, each sending provider fetches to the upstream in-process. Node is never
 * on the request path.
 */

import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Binding, Service, Socket, WorkerService } from "./workerd-config.ts";

export const CLIENT_ID = "bench-client";
export const PROTECTED_PATH = "/api/data";
export const ORIGIN_BODY = "ok\n";
export const ORIGIN_BINDING: Binding = { name: "ASSETS", service: "origin" };

/** The origin's files: the protected path answers a 3-byte body. */
export function writeOriginSite(dir: string): string {
  const site = join(dir, "site");
  mkdirSync(join(site, "api"), { recursive: true });
  writeFileSync(join(site, PROTECTED_PATH), ORIGIN_BODY);
  return site;
}

/** A route table like a real site's: the protected API is matched by the last rule (the slowest case). */
export function routeRules(count: number): Record<string, unknown>[] {
  const typical: Record<string, unknown>[] = [
    { pattern: "/", access: "public" },
    { pattern: "/assets/*", access: "public" },
    { pattern: "/health", access: "public" },
    { pattern: "/docs/*", access: "public" },
    { pattern: "/admin/*", allow: { groups: ["admins"] } },
    { pattern: "/billing/*", allow: { email_domains: ["example.com"] } },
    { pattern: "/reports/*", require_claims: { email_verified: true } },
    { pattern: "/team/*", allow: { groups: ["staff"] } },
    { pattern: "/me" },
  ];
  const filler: Record<string, unknown>[] = [];
  for (let i = 0; filler.length + typical.length + 1 < count; i++) {
    filler.push(
      i % 3 === 0
        ? { pattern: `/section-${i}/*`, access: "public" }
        : i % 3 === 1
          ? { pattern: `/section-${i}/*`, allow: { groups: [`team-${i}`] } }
          : { pattern: `/page-${i}` },
    );
  }
  return [...typical, ...filler, { pattern: "/api/*", allow: { groups: ["staff"] } }];
}

export interface IssuerSetup {
  readonly path: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly jwks: unknown;
  readonly signingJwk?: unknown;
}

/**
 * The vars edge-auth runs with in every variant. Extra vars a later build needs (say a session secret
 * for the login flow) go here; the config schema ignores names it does not know.
 */
export function edgeAuthVars(
  issuer: string,
  routes: readonly Record<string, unknown>[],
  otherIssuers: readonly Record<string, unknown>[] = [],
): Binding[] {
  return [
    ...(otherIssuers.length === 0 ? [] : [{ name: "AUTH_ISSUERS", json: otherIssuers }]),
    { name: "OIDC_ISSUER", text: issuer },
    { name: "OIDC_CLIENT_ID", text: CLIENT_ID },
    { name: "OIDC_CLIENT_SECRET", text: "bench-client-secret" },
    // Turns sign-in on (case e); generated per run like every other secret here.
    { name: "SESSION_SECRET", text: randomBytes(32).toString("base64url") },
    { name: "AUTH_ROUTES", json: routes },
    { name: "AUTH_KV", kvNamespace: "kv" },
    ORIGIN_BINDING,
  ];
}

export function peerVars(issuer: string): Binding[] {
  return [
    ORIGIN_BINDING,
    { name: "ISSUER", text: issuer },
    { name: "CLIENT_ID", text: CLIENT_ID },
    { name: "JWKS_URL", text: `${issuer}/jwks` },
  ];
}

export interface WorkerDef {
  readonly name: string;
  readonly module: string;
  readonly bindings: readonly Binding[];
  /** Has its own socket (variants, upstream, kv); helpers reached only in-process have none. */
  readonly port?: number;
  readonly outbound?: string;
}

export interface ConfigParts {
  readonly services: Service[];
  readonly sockets: Socket[];
}

/** Turns worker definitions into services and sockets, copying each module next to the config. */
export function assemble(
  dir: string,
  modules: Readonly<Record<string, string>>,
  workers: readonly WorkerDef[],
  compatibility: { readonly date: string; readonly flags: readonly string[] },
  extra: readonly Service[] = [],
): ConfigParts {
  const services: Service[] = [...extra];
  const sockets: Socket[] = [];
  const copied = new Set<string>();
  for (const worker of workers) {
    const source = modules[worker.module];
    if (!source) throw new Error(`no module ${worker.module}`);
    const file = `${worker.module}.js`;
    if (!copied.has(file)) {
      copyFileSync(source, join(dir, file));
      copied.add(file);
    }
    const service: WorkerService = {
      name: worker.name,
      module: file,
      compatibilityDate: compatibility.date,
      compatibilityFlags: compatibility.flags,
      bindings: worker.bindings,
      ...(worker.outbound ? { globalOutbound: worker.outbound } : {}),
    };
    services.push(service);
    if (worker.port !== undefined)
      sockets.push({ name: worker.name, port: worker.port, service: worker.name });
  }
  return { services, sockets };
}

export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** Requests the upstream served, by path: every one is a provider fetch. */
export interface UpstreamCounts {
  readonly [path: string]: number;
}

export interface KvCounts {
  readonly reads: number;
  readonly writes: number;
  readonly deletes: number;
  readonly lists: number;
  readonly keys: number;
}

export async function readJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

/** Provider requests (discovery, JWKS, token…) between two snapshots of the upstream's counters. */
export function providerFetchesBetween(before: UpstreamCounts, after: UpstreamCounts): number {
  let total = 0;
  for (const [path, value] of Object.entries(after)) {
    if (path !== "unknown") total += value - (before[path] ?? 0);
  }
  return total;
}
