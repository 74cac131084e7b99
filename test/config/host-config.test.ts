import { describe, expect, it } from "vitest";
import { type AssetsSettings, assetsRoutingProblems } from "../../src/config/assets-routing.ts";
import { loadConfig, validRouteRules } from "../../src/config/load-config.ts";
import { formatProblem } from "../../src/config/problem.ts";
import { configProblemsOver } from "../support/config-problems.ts";

const base = { OIDC_ISSUER: "https://login.example.com", OIDC_CLIENT_ID: "site" };
const problems = configProblemsOver(base);
const ADMINS = { allow: { groups: ["admins"] } };

describe("the host of a route rule", () => {
  it("takes one host or a list, lower-cased and each once", () => {
    const loaded = loadConfig({
      ...base,
      AUTH_ROUTES: [
        { pattern: "/a/*", host: "Docs.Example.COM" },
        { pattern: "/b/*", host: ["*.Example.com", "app.example.com", "APP.example.com"] },
        { pattern: "/c/*" },
      ],
    });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.routes.map((route) => route.hosts)).toEqual([
      ["docs.example.com"],
      ["*.example.com", "app.example.com"],
      undefined,
    ]);
  });

  it("takes the list as JSON text too (--var, .dev.vars)", () => {
    const routes = JSON.stringify([{ pattern: "/a/*", host: ["a.test", "*.b.test"] }]);
    expect(problems({ AUTH_ROUTES: routes })).toEqual([]);
  });

  it("refuses what is not a hostname, naming the path and the fix, every problem at once", () => {
    expect(
      problems({
        AUTH_ROUTES: [
          { pattern: "/1", host: "https://docs.example.com" },
          { pattern: "/2", host: "docs.example.com:8443" },
          { pattern: "/3", host: "docs.example.com/path" },
          { pattern: "/4", host: "docs.example.com." },
          { pattern: "/5", host: "docs.*.example.com" },
          { pattern: "/6", host: "*" },
          { pattern: "/7", host: ["a.test", "bücher.example"] },
          { pattern: "/8", host: [] },
          { pattern: "/9", host: 42 },
          { pattern: "/10", host: "-bad.example.com" },
          { pattern: "/11", host: "a..example.com" },
          { pattern: "/12", host: "[::1]" },
        ],
      }),
    ).toEqual([
      'AUTH_ROUTES[0].host: must be a hostname without a scheme, e.g. "docs.example.com" (got "https://docs.example.com")',
      'AUTH_ROUTES[1].host: must be a hostname without port, path or brackets, e.g. "docs.example.com"; a rule applies on every port (got "docs.example.com:8443")',
      'AUTH_ROUTES[2].host: must be a hostname without port, path or brackets, e.g. "docs.example.com"; a rule applies on every port (got "docs.example.com/path")',
      'AUTH_ROUTES[3].host: must not end with "." (write "docs.example.com"; requests for the name with a trailing dot match it) (got "docs.example.com.")',
      'AUTH_ROUTES[4].host: "*" is only allowed as the whole first label, as in "*.example.com" (got "docs.*.example.com")',
      'AUTH_ROUTES[5].host: "*" is only allowed as the whole first label, as in "*.example.com" (got "*")',
      'AUTH_ROUTES[6].host[1]: must be written in its ASCII (xn--) form, "xn--bcher-kva.example" (got "bücher.example")',
      'AUTH_ROUTES[7].host: must be a hostname or "*." and a hostname, or a non-empty list of them',
      'AUTH_ROUTES[8].host: must be a hostname or "*." and a hostname, or a non-empty list of them',
      'AUTH_ROUTES[9].host: must be a hostname: labels of letters, digits and "-" separated by "." (got "-bad.example.com")',
      'AUTH_ROUTES[10].host: must be a hostname: labels of letters, digits and "-" separated by "." (got "a..example.com")',
      'AUTH_ROUTES[11].host: must be a hostname without port, path or brackets, e.g. "docs.example.com"; a rule applies on every port (got "[::1]")',
    ]);
  });

  it("judges contradicting rules within each host's rules, and names the host", () => {
    expect(
      problems({
        AUTH_ROUTES: [
          // Different hosts: no contradiction.
          { pattern: "/Admin/*", host: "a.example.com", ...ADMINS },
          { pattern: "/admin/status", host: "b.example.com", access: "public" },
          // The same host through a wildcard: contradiction.
          { pattern: "/Team/*", host: "*.example.com", ...ADMINS },
          { pattern: "/team/list", host: "c.example.com", access: "public" },
        ],
      }),
    ).toEqual([
      'AUTH_ROUTES[3].pattern: its own path "/team/list" on host "c.example.com", read with letter case ignored, falls under AUTH_ROUTES[2] ("/Team/*"), which grants other access than AUTH_ROUTES[3] ("/team/list"): origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow, require_claims, issuers and require_scopes',
    ]);
  });
});

describe("run_worker_first with host rules (its patterns are paths, for every host)", () => {
  const check = (assets: AssetsSettings, routes: unknown) =>
    assetsRoutingProblems(assets, validRouteRules(routes)).map(formatProblem);
  const list = (run_worker_first: string[]): AssetsSettings => ({ directory: "./site", run_worker_first });

  it("needs the paths of a protected rule for one host covered like any other", () => {
    const routes = [
      { pattern: "/docs/*", host: "docs.example.com", access: "public" },
      { pattern: "/app/*", host: "app.example.com" },
      { pattern: "/*", access: "public" },
    ];
    expect(check(list(["/auth/*"]), routes)).toEqual([
      'assets.run_worker_first: does not cover AUTH_ROUTES[1] ("/app/*"), so Cloudflare would serve its files to anyone; set run_worker_first = true, or add "/app" and "/app/*"',
    ]);
    expect(check(list(["/auth/*", "/app", "/app/*"]), routes)).toEqual([]);
  });

  it("does not count a catch-all rule for one host as covering the other hosts' unmatched paths", () => {
    const routes = [{ pattern: "/*", host: "docs.example.com", access: "public" }];
    expect(check(list(["/auth/*"]), routes)).toEqual([
      'assets.run_worker_first: does not cover the paths no rule matches (they need an identity), so Cloudflare would serve those files to anyone; set run_worker_first = true, or add "/*"',
    ]);
  });

  it('refuses a "!" exception whose paths are public on one host only', () => {
    const routes = [
      { pattern: "/docs/*", host: "docs.example.com", access: "public" },
      { pattern: "/docs/*", ...ADMINS },
      { pattern: "/*", access: "public" },
    ];
    expect(check(list(["/*", "!/docs/*"]), routes)).toEqual([
      'assets.run_worker_first[1]: "!/docs/*" sends paths that need an identity (AUTH_ROUTES[1] "/docs/*") straight to the static files, without edge-auth; remove it, or narrow it to public paths',
    ]);
    expect(check(list(["/*", "!/docs/logo.png"]), routes)).toEqual([
      'assets.run_worker_first[1]: "!/docs/logo.png" sends paths that need an identity (AUTH_ROUTES[1] "/docs/*") straight to the static files, without edge-auth; remove it, or narrow it to public paths',
    ]);
    // Public on every host: the exception is safe.
    const everywhere = [{ pattern: "/docs/*", access: "public" }, { pattern: "/*" }];
    expect(check(list(["/*", "!/docs/*", "!/docs/logo.png"]), everywhere)).toEqual([]);
  });
});
