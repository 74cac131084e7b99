import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { normalisePath } from "../../src/policy/route-pattern.ts";
import { RouteTable } from "../../src/policy/route-table.ts";
import { seededRuns } from "../support/property-runs.ts";
import { configWithRoutes } from "../support/route-rules.ts";

function configWith(patterns: readonly string[]): GateConfig {
  return configWithRoutes(patterns.map((pattern) => ({ pattern })));
}

function tableOf(config: GateConfig): RouteTable {
  return new RouteTable(config.routes, config.defaultRoute);
}

/** The definition: the first rule, in order, whose matcher accepts the normalised path. */
function firstInOrder(config: GateConfig, pathname: string): number {
  const path = normalisePath(pathname);
  return config.routes.find((route) => route.matches(path))?.index ?? -1;
}

const segment = fc.constantFrom("a", "b", "api", "admin", "x.y", "");
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
const pattern = fc.oneof(
  path,
  path.map((p) => (p.endsWith("/") ? `${p}*` : `${p}/*`)),
  fc.constant("*"),
  fc.constant("/*"),
);

describe("the rule index", () => {
  it("picks the same rule as trying every rule in order, for any table and any path", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 12 }),
        fc.array(path, { maxLength: 10 }),
        (patterns, paths) => {
          const config = configWith(patterns);
          const table = tableOf(config);
          for (const candidate of paths)
            expect(table.match(normalisePath(candidate)).index).toBe(firstInOrder(config, candidate));
        },
      ),
      seededRuns(500),
    );
  });

  it("lets the earlier rule win and falls back to the default rule", () => {
    const table = tableOf(configWith(["/api/admin/*", "/api/*", "/api/health", "/docs"]));
    expect(table.match("/api/admin/users").index).toBe(0);
    expect(table.match("/api/admin").index).toBe(0);
    expect(table.match("/api/health").index).toBe(1);
    expect(table.match("/api").index).toBe(1);
    expect(table.match("/apix").index).toBe(-1);
    expect(table.match("/docs/intro").index).toBe(-1);
  });

  it("finds the last of 1,000 rules", () => {
    const patterns = Array.from({ length: 999 }, (_, i) => `/section-${i}/*`);
    const table = tableOf(configWith([...patterns, "/api/*"]));
    expect(table.match("/api/data").index).toBe(999);
    expect(table.match("/section-998/page").index).toBe(998);
  });

  it("matches case-folded paths against the case-folded patterns, first rule first", () => {
    const table = tableOf(configWith(["/Admin/*", "/admin/x", "/docs/*"]));
    expect(table.match("/admin/x").index).toBe(1);
    expect(table.matchCaseFolded("/admin/x").index).toBe(0);
    expect(table.matchCaseFolded("/docs/a").index).toBe(2);
    expect(table.anyUpperCasePattern).toBe(true);
    expect(tableOf(configWith(["/docs/*"])).anyUpperCasePattern).toBe(false);
  });

  it("puts rules that admit the same requests in one policy class", () => {
    const loaded = loadConfig({
      OIDC_ISSUER: "https://issuer.test",
      OIDC_CLIENT_ID: "client-1",
      AUTH_ROUTES: [
        { pattern: "/a/*", access: "public" },
        { pattern: "/b/*", access: "public" },
        { pattern: "/c/*", unauthenticated: "401" },
        { pattern: "/d/*", allow: { groups: ["admins"] } },
        { pattern: "/e/*", require_claims: { email_verified: true } },
      ],
    });
    if (!loaded.ok) throw new Error("routes must load");
    const { routes, defaultRoute } = loaded.value;
    const table = new RouteTable(routes, defaultRoute);
    const [a, b, c, d, e] = routes.map((route) => route);
    expect(table.samePolicy(a!, b!)).toBe(true);
    // How an unauthenticated request is answered does not change who is admitted.
    expect(table.samePolicy(c!, defaultRoute)).toBe(true);
    expect(table.samePolicy(a!, c!)).toBe(false);
    expect(table.samePolicy(c!, d!)).toBe(false);
    expect(table.samePolicy(c!, e!)).toBe(false);
  });

  it("tells apart rules that differ only in step-up, DPoP or the replay refusal, so no reading bypasses them", () => {
    const loaded = loadConfig({
      OIDC_ISSUER: "https://issuer.test",
      OIDC_CLIENT_ID: "client-1",
      DPOP_REPLAY: {},
      AUTH_ROUTES: [
        { pattern: "/mfa/*", require_amr: ["mfa"] },
        { pattern: "/fresh/*", max_age: 300 },
        { pattern: "/bound/*", require_dpop: true },
        { pattern: "/watched/*", refuse_replayed: true },
        { pattern: "/mfa-too/*", require_amr: ["mfa"] },
      ],
    });
    if (!loaded.ok) throw new Error(loaded.failure.map((p) => p.message).join("; "));
    const { routes, defaultRoute } = loaded.value;
    const table = new RouteTable(routes, defaultRoute);
    const [mfa, fresh, bound, watched, mfaToo] = routes;
    for (const route of [mfa, fresh, bound, watched])
      expect(table.samePolicy(route!, defaultRoute), route!.pattern).toBe(false);
    expect(table.samePolicy(mfa!, fresh!)).toBe(false);
    expect(table.samePolicy(mfa!, mfaToo!)).toBe(true);
  });
});
