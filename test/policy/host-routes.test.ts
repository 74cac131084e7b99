import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { configWithRoutes, matchRouteOf } from "../support/route-rules.ts";

const ADMINS = { allow: { groups: ["admins"] } };

const SITES = configWithRoutes([
  { pattern: "/docs/*", host: "docs.example.com", access: "public" },
  { pattern: "/docs/*", host: ["app.example.com", "admin.example.com"], ...ADMINS },
  { pattern: "/status", host: "*.example.com", access: "public" },
  { pattern: "/status", ...ADMINS },
  { pattern: "/public/*", access: "public" },
  { pattern: "/team/*", host: "*.example.com", ...ADMINS },
  { pattern: "*" },
]);

/** `index:pattern` of the rule for host and path, or `refused: <reason> <detail>`. */
function judge(config: GateConfig, host: string, path: string): string {
  const judged = matchRouteOf(config, host, path);
  if (judged.ok) return `${judged.value.index}:${judged.value.pattern}`;
  return `refused: ${judged.failure.reason} ${judged.failure.detail}`;
}

describe("route rules that name their hosts", () => {
  it("gives one path different rules on different hosts, and generic rules to every host", () => {
    expect(judge(SITES, "docs.example.com", "/docs/intro")).toBe("0:/docs/*");
    expect(judge(SITES, "app.example.com", "/docs/intro")).toBe("1:/docs/*");
    expect(judge(SITES, "admin.example.com", "/docs/intro")).toBe("1:/docs/*");
    // A host no rule names sees the rules without `host` only.
    expect(judge(SITES, "other.test", "/docs/intro")).toBe("6:*");
    expect(judge(SITES, "other.test", "/public/x")).toBe("4:/public/*");
    expect(judge(SITES, "docs.example.com", "/public/x")).toBe("4:/public/*");
  });

  it("keeps the written order across host rules and rules for every host: the first match wins", () => {
    // The wildcard rule comes first for its hosts; the generic rule after it serves the others.
    expect(judge(SITES, "docs.example.com", "/status")).toBe("2:/status");
    expect(judge(SITES, "www.example.com", "/status")).toBe("2:/status");
    expect(judge(SITES, "other.test", "/status")).toBe("3:/status");
    const generalFirst = configWithRoutes([
      { pattern: "/x/*", access: "public" },
      { pattern: "/x/*", host: "a.test", ...ADMINS },
    ]);
    expect(judge(generalFirst, "a.test", "/x/1")).toBe("0:/x/*");
  });

  it("matches `*.example.com` one label deep: not example.com itself, not a.b.example.com (RFC 6125 §6.4.3)", () => {
    expect(judge(SITES, "www.example.com", "/team/x")).toBe("5:/team/*");
    expect(judge(SITES, "example.com", "/team/x")).toBe("6:*");
    expect(judge(SITES, "example.com", "/status")).toBe("3:/status");
    expect(judge(SITES, "a.b.example.com", "/status")).toBe("3:/status");
    expect(judge(SITES, "a.b.example.com", "/team/x")).toBe("6:*");
    // A host named exactly also gets the wildcard rules that cover it.
    expect(judge(SITES, "docs.example.com", "/team/x")).toBe("5:/team/*");
    expect(judge(SITES, "badexample.com", "/status")).toBe("3:/status");
  });

  it("reads a trailing dot as the same host (the DNS root), so it cannot switch rules", () => {
    expect(judge(SITES, "docs.example.com.", "/docs/intro")).toBe("0:/docs/*");
    expect(judge(SITES, "app.example.com.", "/docs/intro")).toBe("1:/docs/*");
    expect(judge(SITES, "www.example.com.", "/team/x")).toBe("5:/team/*");
  });

  it("refuses a host with an empty label as ambiguous rather than judge it by the rules for every host", () => {
    for (const host of ["app.example.com..", "app..example.com", ".app.example.com", "."])
      expect(judge(SITES, host, "/docs/intro"), host).toBe(
        "refused: ambiguous_host a host with an empty label",
      );
    // Without any host rule the host decides nothing, and is not judged.
    const noHosts = configWithRoutes([{ pattern: "*" }]);
    expect(judge(noHosts, "app..example.com", "/x")).toBe("0:*");
  });

  it("judges the readings of a path within the host's rules only", () => {
    const config = configWithRoutes([
      { pattern: "/help/private/*", host: "docs.example.com", ...ADMINS },
      { pattern: "/help/*", access: "public" },
    ]);
    // On docs, the folded reading of /help/PRIVATE/x falls under the admins' rule: refused.
    expect(judge(config, "docs.example.com", "/help/PRIVATE/x")).toBe(
      "refused: ambiguous_path letter case ignored: 0:/help/private/* (as written: 1:/help/*)",
    );
    expect(judge(config, "docs.example.com", "/help/private/x")).toBe("0:/help/private/*");
    // Another host has no such rule: every reading is public there.
    expect(judge(config, "www.example.com", "/help/PRIVATE/x")).toBe("1:/help/*");
    expect(judge(config, "www.example.com", "/help/private/x")).toBe("1:/help/*");
  });
});
