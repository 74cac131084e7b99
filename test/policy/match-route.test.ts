import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { normalisePath } from "../../src/config/route-pattern.ts";
import { matchRoute } from "../../src/policy/match-route.ts";

function configWith(patterns: readonly string[]): GateConfig {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://issuer.test",
    OIDC_CLIENT_ID: "client-1",
    AUTH_ROUTES: patterns.map((pattern) => ({ pattern })),
  });
  if (!loaded.ok) throw new Error(loaded.failure.map((p) => p.message).join("; "));
  return loaded.value;
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

describe("matching a request path to a route rule", () => {
  it("picks the same rule as trying every rule in order, for any table and any path", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 12 }),
        fc.array(path, { maxLength: 10 }),
        (patterns, paths) => {
          const config = configWith(patterns);
          for (const candidate of paths)
            expect(matchRoute(config, candidate).index).toBe(firstInOrder(config, candidate));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("lets the earlier rule win and falls back to the default rule", () => {
    const config = configWith(["/api/admin/*", "/api/*", "/api/health", "/docs"]);
    expect(matchRoute(config, "/api/admin/users").index).toBe(0);
    expect(matchRoute(config, "/api/admin").index).toBe(0);
    expect(matchRoute(config, "/api/health").index).toBe(1);
    expect(matchRoute(config, "/api").index).toBe(1);
    expect(matchRoute(config, "/apix").index).toBe(-1);
    expect(matchRoute(config, "/docs/intro").index).toBe(-1);
    expect(matchRoute(config, "/%61pi//x").index).toBe(1);
  });

  it("finds the last of 1,000 rules", () => {
    const patterns = Array.from({ length: 999 }, (_, i) => `/section-${i}/*`);
    const config = configWith([...patterns, "/api/*"]);
    expect(matchRoute(config, "/api/data").index).toBe(999);
    expect(matchRoute(config, "/section-998/page").index).toBe(998);
  });
});
