import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { normalisePath } from "../../src/policy/route-pattern.ts";
import { CLIENT_ID, ISSUER } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { seededRuns } from "../support/property-runs.ts";
import { matchRouteOf } from "../support/route-rules.ts";
import {
  configOf,
  gateNeverLaxerProperty,
  judgesByEveryReading,
  ownPathsProperty,
  ownPathsStayTheirRules,
  type RandomRule,
} from "./route-readings.ts";

const ROUTES = [
  { pattern: "/public/*", access: "public" },
  { pattern: "/assets/*", access: "public" },
  { pattern: "/admin/*", allow: { groups: ["admins"] } },
  { pattern: "/health", access: "public" },
  { pattern: "*" },
];

function compiled() {
  const loaded = loadConfig({ OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: CLIENT_ID, AUTH_ROUTES: ROUTES });
  if (!loaded.ok) throw new Error("routes must load");
  return loaded.value;
}

/** Thousands of runs take seconds on a loaded machine: the limit is generous, the seed fixed. */
const PROPERTY_TIMEOUT_MS = 60_000;

/** The index of the path's rule, or "ambiguous". */
function ruleOf(config: GateConfig, pathname: string): number | "ambiguous" {
  const judged = matchRouteOf(config, "site.test", pathname);
  return judged.ok ? judged.value.index : "ambiguous";
}

const UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
const segment = fc
  .string({ unit: fc.constantFrom(...UNRESERVED), minLength: 1, maxLength: 8 })
  .filter((s) => s !== "." && s !== "..");

/** A canonical path, often under one of the rules' prefixes. */
const canonicalPath = fc
  .tuple(
    fc.constantFrom("", "/public", "/assets", "/admin", "/health", "/publicity", "/administrator"),
    fc.array(segment, { maxLength: 4 }),
  )
  .map(([prefix, rest]) => `${prefix}/${rest.join("/")}`.replace(/\/$/, "") || "/");

/** Another spelling of the same path that URL parsing and RFC 3986 §6.2.2 normalisation must undo. */
function respell(path: string, choices: number[]): string {
  let i = 0;
  const next = () => choices[i++ % choices.length] ?? 0;
  const parts = path.split("/").map((part) =>
    [...part]
      .map((char) => {
        const roll = next() % 4;
        if (roll === 0) return `%${char.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`;
        if (roll === 1) return `%${char.charCodeAt(0).toString(16).padStart(2, "0").toLowerCase()}`;
        return char;
      })
      .join(""),
  );
  return parts
    .map((part, index) => {
      if (index === 0) return part;
      const roll = next() % 6;
      if (roll === 0) return `/${part}`; // doubled slash
      if (roll === 1) return `./${part}`;
      if (roll === 2) return `zz/../${part}`;
      if (roll === 3) return `zz/%2e%2E/${part}`;
      return part;
    })
    .join("/");
}

describe("the route matcher under random input", () => {
  it(
    "never throws, for any string a URL parser turns into a path",
    () => {
      const config = compiled();
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 80 }), (raw) => {
          normalisePath(raw);
          matchRouteOf(config, "site.test", raw);
          let url: URL | undefined;
          try {
            url = new URL(raw, "https://site.test");
          } catch {
            return;
          }
          const judged = matchRouteOf(config, "site.test", url.pathname);
          if (judged.ok) expect(["public", "authenticated"]).toContain(judged.value.access);
          else expect(judged.failure.reason).toBe("ambiguous_path");
        }),
        seededRuns(5000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "gives every spelling of a path the rule of its canonical form",
    () => {
      const config = compiled();
      fc.assert(
        fc.property(canonicalPath, fc.array(fc.nat(23), { minLength: 1, maxLength: 30 }), (path, choices) => {
          const spelled = respell(path, choices);
          const pathname = new URL(`https://site.test${spelled.startsWith("/") ? "" : "/"}${spelled}`)
            .pathname;
          expect(ruleOf(config, pathname), `${spelled} → ${pathname}`).toBe(ruleOf(config, path));
        }),
        seededRuns(3000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "never admits a path under a rule laxer than the rule of any reading of it, for random rule sets",
    () => {
      fc.assert(gateNeverLaxerProperty, seededRuns(3000));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "keeps every pattern's own path under the rule it falls under as written, never ambiguous, for random rule sets",
    () => {
      fc.assert(ownPathsProperty, seededRuns(3000));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("refuses the spellings that once passed as public while a lenient origin reads another path", () => {
    const config = compiled();
    for (const path of [
      // `..;` read as `..` (Tomcat), then `%2F..%2F` decoded (nginx): read as /a/public.
      "/public/..;/a/%2F..%2F/public",
      "/public/..%2f/a/%2F..%2F/public",
      // Decoded twice: read as /admin/x.
      "/public/..%252fadmin/x",
      "/public/%2e%2e%252fadmin/x",
    ]) {
      judgesByEveryReading(config, path);
      const judged = matchRouteOf(config, "site.test", path);
      expect(judged.ok, path).toBe(false);
    }
  });

  it("holds for the rule sets and paths that random runs once found wrong", () => {
    const pinned: { rules: RandomRule[]; paths: string[] }[] = [
      // A rule in another letter case below a prefix rule: /Admin/zz9 is /admin/zz9 to IIS.
      {
        rules: [
          { pattern: "/admin", access: "admins" },
          { pattern: "/admin/*", access: "public" },
          { pattern: "/Admin/*", access: "admins" },
          { pattern: "/help/*", access: "public" },
        ],
        paths: ["/Admin/zz9", "/admin/x", "/ADMIN"],
      },
      {
        rules: [
          { pattern: "/help/*", access: "admins" },
          { pattern: "/HELP/HELP", access: "admins" },
          { pattern: "/HELP/HELP/*", access: "public" },
          { pattern: "/help/*", access: "public" },
        ],
        paths: ["/HELP/HELP/zz9", "/help/help/x"],
      },
    ];
    for (const { rules, paths } of pinned) {
      ownPathsStayTheirRules(rules);
      const config = configOf(rules);
      for (const path of paths) if (config) judgesByEveryReading(config, path);
    }
    // Both are contradictions for a case-insensitive origin: the configuration is refused.
    expect(pinned.map(({ rules }) => configOf(rules))).toEqual([undefined, undefined]);
  });

  it("through the worker, forwards a request without credential only on a public route, never with an identity", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES } });
    const config = compiled();
    const weirdPath = fc.oneof(
      canonicalPath,
      fc.tuple(canonicalPath, fc.array(fc.nat(23), { minLength: 1 })).map(([p, c]) => respell(p, c)),
      fc.webPath(),
      fc.string({
        unit: fc.constantFrom(...UNRESERVED, "/", "%", "2", "e", "f", "\\", "?", "#", ";", "@", ":"),
        maxLength: 40,
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        weirdPath,
        fc.constantFrom<Record<string, string>>({}, { "x-auth-sub": "root", x_auth_groups: "admins" }),
        async (path, headers) => {
          const url = new URL(`https://site.test${path.startsWith("/") ? "" : "/"}${path}`);
          const callsBefore = h.originCalls.length;
          const res = await h.fetch(`${url.pathname}${url.search}`, { headers });
          expect(res.status).toBeLessThan(500);
          const judged = matchRouteOf(config, "site.test", url.pathname);
          if (!judged.ok) {
            expect(res.status).toBe(400);
            expect(h.originCalls).toHaveLength(callsBefore);
          } else if (judged.value.access === "public") {
            expect(res.status).toBe(200);
            const call = h.originCalls.at(-1);
            expect([...(call?.headers.keys() ?? [])].filter((name) => /^x[-_]auth/i.test(name))).toEqual([]);
          } else {
            expect(res.status).toBe(401);
            expect(h.originCalls).toHaveLength(callsBefore);
          }
        },
      ),
      seededRuns(400),
    );
  });
});
