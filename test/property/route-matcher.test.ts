import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { normalisePath } from "../../src/config/route-pattern.ts";
import { matchRoute } from "../../src/policy/match-route.ts";
import { CLIENT_ID, ISSUER } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

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
  it("never throws, for any string a URL parser turns into a path", () => {
    const config = compiled();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (raw) => {
        normalisePath(raw);
        matchRoute(config, raw);
        let url: URL | undefined;
        try {
          url = new URL(raw, "https://site.test");
        } catch {
          return;
        }
        const route = matchRoute(config, url.pathname);
        expect(["public", "authenticated"]).toContain(route.access);
      }),
      { numRuns: 5000 },
    );
  });

  it("gives every spelling of a path the rule of its canonical form", () => {
    const config = compiled();
    fc.assert(
      fc.property(canonicalPath, fc.array(fc.nat(23), { minLength: 1, maxLength: 30 }), (path, choices) => {
        const spelled = respell(path, choices);
        const pathname = new URL(`https://site.test${spelled.startsWith("/") ? "" : "/"}${spelled}`).pathname;
        expect(matchRoute(config, pathname).index, `${spelled} → ${pathname}`).toBe(
          matchRoute(config, path).index,
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("calls a path public only when every reading of it is public: as parsed, and as a lenient origin decodes it", () => {
    const config = compiled();
    const tricky = fc
      .array(
        fc.oneof(
          segment,
          fc.constantFrom(
            "..",
            ".",
            "%2e%2e",
            "..%2f",
            "%2f",
            "%2F..%2F",
            "..%5c",
            "%5c",
            ";",
            "..;",
            "a;b=c",
            "public",
            "admin",
            "%25",
            "%2",
          ),
        ),
        { maxLength: 6 },
      )
      .map((parts) => `/${parts.join("/")}`);
    const firstRule = (path: string) =>
      config.routes.find((route) => route.matches(path)) ?? config.defaultRoute;
    fc.assert(
      fc.property(
        fc.oneof(
          tricky,
          tricky.map((p) => `/public${p}`),
        ),
        (path) => {
          const pathname = new URL(`https://site.test${path}`).pathname;
          if (matchRoute(config, pathname).access !== "public") return;
          // An independent reading: decode every escape once, then let the URL parser resolve the result.
          const decoded = pathname
            .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
            .split("/")
            .map((part) => part.replace(/;.*$/, ""))
            .join("/");
          const reread = normalisePath(new URL(`https://site.test${decoded.replace(/[?#]/g, "_")}`).pathname);
          expect(firstRule(reread).access, `${pathname} read as ${reread}`).toBe("public");
        },
      ),
      { numRuns: 5000 },
    );
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
          const route = matchRoute(config, url.pathname);
          if (route.access === "public") {
            expect(res.status).toBe(200);
            const call = h.originCalls.at(-1);
            expect([...(call?.headers.keys() ?? [])].filter((name) => /^x[-_]auth/i.test(name))).toEqual([]);
          } else {
            expect(res.status).toBe(401);
            expect(h.originCalls).toHaveLength(callsBefore);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
