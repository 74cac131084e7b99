import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { expectForwardedAs, expectRefused } from "./forge.ts";

const ADMINS = { allow: { groups: ["admins"] } };
const ROUTES = [
  { pattern: "/help/guide", ...ADMINS },
  { pattern: "/help/private/*", ...ADMINS },
  { pattern: "/help/*", access: "public" },
  { pattern: "/public/*", access: "public" },
  { pattern: "/admin/*", ...ADMINS },
  { pattern: "*" },
];

async function setUp() {
  const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES } });
  const now = h.nowSeconds();
  const member = await signToken(h.issuer.keys[0]!, validClaims(now));
  const admin = await signToken(h.issuer.keys[0]!, validClaims(now, { sub: "admin-1", groups: ["admins"] }));
  return { h, member, admin };
}

/**
 * Each path is refused with 400 `ambiguous_path` for anonymous requests and for bearer tokens alike,
 * an admin's included: no credential makes the path mean one thing. The answer is generic JSON with no
 * challenge, and the log names the route `(ambiguous path)` and how the path was read.
 */
async function expectAmbiguous(h: Harness, tokens: readonly string[], paths: readonly string[], how: RegExp) {
  for (const path of paths) {
    for (const init of [{}, ...tokens.map((token) => h.bearer(token))]) {
      const logsBefore = h.logs.length;
      await expectRefused(h, init, "ambiguous_path", 400, path);
      const [decision] = h.logs.slice(logsBefore).filter((line) => line.event === "decision");
      expect(decision, path).toMatchObject({
        route: "(ambiguous path)",
        status: 400,
        credential: "headers" in init ? "bearer" : "none",
      });
      expect(String(decision?.detail), path).toMatch(how);
      const again = await h.fetch(path, init);
      expect(again.headers.get("www-authenticate")).toBeNull();
      expect(await again.json()).toEqual({ error: "bad_request" });
    }
  }
  expect(h.originCalls).toHaveLength(0);
}

describe("edge/origin path differentials", () => {
  it("refuses a path whose letter case takes it to another rule (Express, ASP.NET Core, IIS)", async () => {
    const { h, member, admin } = await setUp();
    await expectAmbiguous(
      h,
      [member, admin],
      ["/help/PRIVATE/x", "/ADMIN/x", "/Help/Guide"],
      /letter case ignored/,
    );
  });

  it("refuses a trailing slash that takes a path off an exact rule, and keeps the exact rule's own path", async () => {
    const { h, member, admin } = await setUp();
    await expectAmbiguous(h, [member, admin], ["/help/guide/"], /^trailing slash removed: 0:\/help\/guide/);
    await expectRefused(h, {}, "no_credential", 401, "/help/guide");
    expect((await h.fetch("/help/guide", h.bearer(member))).status).toBe(403);
    await expectForwardedAs(h, h.bearer(admin), "admin-1", "/help/guide");
  });

  it("refuses `..;` segments and encoded slashes that lead out of a rule (Tomcat, Jetty, nginx)", async () => {
    const { h, member, admin } = await setUp();
    await expectAmbiguous(
      h,
      [member, admin],
      [
        "/public/..;/a/%2F..%2F/public",
        "/public/..%2f/a/%2F..%2F/public",
        "/public/..;/admin/panel",
        "/public/..%2fadmin/panel",
        "/public/..%2Fadmin/panel",
        "/public/%2e%2e%2fadmin/panel",
        "/public/..%5cadmin/panel",
        "/public/x/..%2f..%2fadmin/panel",
        "/admin;jsessionid=1/panel",
      ],
      /escapes decoded|; parameters dropped/,
    );
  });

  it("refuses escapes that lead out of a rule when decoded twice (`%252F`)", async () => {
    const { h, member, admin } = await setUp();
    await expectAmbiguous(
      h,
      [member, admin],
      ["/public/..%252fadmin/panel", "/public/%2e%2e%252fadmin/panel", "/help/x/..%252fprivate/x"],
      /^escapes decoded twice/,
    );
  });

  it("answers a browser navigation to an ambiguous path with a 400 page, never a sign-in redirect", async () => {
    const { h } = await setUp();
    const browser = new Browser(h);
    for (const path of ["/help/PRIVATE/x", "/help/guide/", "/public/..;/admin/panel"]) {
      const res = await browser.visit(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toContain("This address cannot be served as it is written.");
    }
    // A session cookie changes nothing: the path is refused before any credential is read.
    const withSession = await h.fetch("/ADMIN/x", {
      headers: { ...NAVIGATION, cookie: "__Host-edge-auth=x" },
    });
    expect(withSession.status).toBe(400);
    expect(h.originCalls).toHaveLength(0);
    expect(h.kv.counts.get).toBe(0);
    const decisions = h.events("decision");
    expect(decisions.map((line) => line.reason)).toEqual(Array(4).fill("ambiguous_path"));
    expect(decisions.map((line) => line.credential)).toEqual(["none", "none", "none", "session"]);
  });

  it("keeps serving spellings whose every reading stays under rules that admit the same requests", async () => {
    const { h, member } = await setUp();
    for (const path of [
      "/public/a%2Fb.png",
      "/public/a;v=2/b.png",
      "/help/Intro",
      "/help/intro/",
      "/public/Logo.PNG",
    ]) {
      expect((await h.fetch(path)).status, path).toBe(200);
    }
    await expectForwardedAs(h, h.bearer(member), "user-123", "/api/projects/group%2Fproject");
    await expectForwardedAs(h, h.bearer(member), "user-123", "/docs;lang=en/intro");
    await expectForwardedAs(h, h.bearer(member), "user-123", "/Docs/Intro/");
    expect(h.events("decision").filter((line) => line.outcome === "refused")).toEqual([]);
  });
});
