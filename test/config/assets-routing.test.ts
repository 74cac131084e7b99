import { describe, expect, it } from "vitest";
import { type AssetsSettings, assetsRoutingProblems } from "../../src/config/assets-routing.ts";
import { validRouteRules } from "../../src/config/load-config.ts";
import { formatProblem } from "../../src/config/problem.ts";

/** The shipped demo's rules: public pages and files, two protected areas, the rest by default. */
const DEMO_ROUTES = [
  { pattern: "/", access: "public" },
  { pattern: "/index.html", access: "public" },
  { pattern: "/style.css", access: "public" },
  { pattern: "/admin/*", allow: { groups: ["admins"] } },
  { pattern: "/app/*" },
];

function problems(assets: AssetsSettings | undefined, routes: unknown = DEMO_ROUTES): string[] {
  return assetsRoutingProblems(assets, validRouteRules(routes)).map(formatProblem);
}

const withList = (run_worker_first: string[]): AssetsSettings => ({ directory: "./site", run_worker_first });

// Semantics of run_worker_first lists (workers-sdk router-worker, rules-engine.ts): `*` matches any
// characters over the whole path; a rule starting "!" routes matches to the assets ahead of the rest.
describe("static assets and run_worker_first", () => {
  it("accepts a worker without assets, and run_worker_first = true", () => {
    expect(problems(undefined)).toEqual([]);
    expect(problems({ directory: "./site", run_worker_first: true })).toEqual([]);
  });

  it("refuses assets that Cloudflare serves without running the worker", () => {
    expect(problems({ directory: "./site" })).toEqual([
      'assets.run_worker_first: is not set, so Cloudflare serves every file in "./site" to anyone without running edge-auth; set run_worker_first = true',
    ]);
    expect(problems({ directory: "./site", run_worker_first: false })).toEqual([
      'assets.run_worker_first: is false, so Cloudflare serves every file in "./site" to anyone without running edge-auth; set run_worker_first = true',
    ]);
  });

  it("accepts a list that sends every path to the worker, with exceptions only for public files", () => {
    expect(problems(withList(["/*"]))).toEqual([]);
    expect(problems(withList(["/*", "!/style.css", "!/index.html"]))).toEqual([]);
  });

  it("accepts a list of the protected areas when a public catch-all rule leaves no path to the default", () => {
    const routes = [
      { pattern: "/admin/*", allow: { groups: ["admins"] } },
      { pattern: "/*", access: "public" },
    ];
    expect(problems(withList(["/admin", "/admin/*", "/auth/*"]), routes)).toEqual([]);
    expect(problems(withList(["/*", "!/assets/*"]), routes)).toEqual([]);
  });

  it("refuses a list that misses a protected rule, the paths no rule matches, or edge-auth's own paths", () => {
    expect(problems(withList(["/admin/*"]))).toEqual([
      'assets.run_worker_first: does not cover AUTH_ROUTES[3] ("/admin/*"), so Cloudflare would serve its files to anyone; set run_worker_first = true, or add "/admin" and "/admin/*"',
      'assets.run_worker_first: does not cover AUTH_ROUTES[4] ("/app/*"), so Cloudflare would serve its files to anyone; set run_worker_first = true, or add "/app" and "/app/*"',
      'assets.run_worker_first: does not cover the paths no rule matches (they need an identity), so Cloudflare would serve those files to anyone; set run_worker_first = true, or add "/*"',
      `assets.run_worker_first: does not send edge-auth's own paths (/auth/login, /auth/callback, /auth/logout, /auth/signed-out, /auth/whoami, /auth/health, /auth/backchannel-logout, /auth/frontchannel-logout, /auth/jwks.json, /auth/revoke) to the worker, so sign-in, sign-out, logout from the provider and the assertion keys cannot work; add "/auth/*" and no "!" rule that matches it`,
    ]);
  });

  it("refuses a ! rule that sends paths needing an identity straight to the files", () => {
    expect(problems(withList(["/*", "!/app/*", "!/*.css", "!/secret.html"]))).toEqual([
      'assets.run_worker_first[1]: "!/app/*" sends paths that need an identity (AUTH_ROUTES[4] "/app/*") straight to the static files, without edge-auth; remove it, or narrow it to public paths',
      'assets.run_worker_first[2]: "!/*.css" sends paths that need an identity (AUTH_ROUTES[3] "/admin/*") straight to the static files, without edge-auth; remove it, or narrow it to public paths',
      'assets.run_worker_first[3]: "!/secret.html" sends a path no rule matches (it needs an identity) straight to the static files, without edge-auth; remove it, or narrow it to public paths',
    ]);
  });

  it("refuses a ! rule over edge-auth's own paths even where the rules are public", () => {
    const routes = [{ pattern: "*", access: "public" }];
    expect(problems(withList(["/*", "!/auth/*"]), routes)).toEqual([
      `assets.run_worker_first: does not send edge-auth's own paths (/auth/login, /auth/callback, /auth/logout, /auth/signed-out, /auth/whoami, /auth/health, /auth/backchannel-logout, /auth/frontchannel-logout, /auth/jwks.json, /auth/revoke) to the worker, so sign-in, sign-out, logout from the provider and the assertion keys cannot work; add "/auth/*" and no "!" rule that matches it`,
    ]);
  });

  it("refuses rules that are not paths, as wrangler does", () => {
    expect(problems(withList(["/*", "admin/*"]))).toEqual([
      'assets.run_worker_first[1]: "admin/*" must start with "/" or "!/"',
    ]);
  });
});
