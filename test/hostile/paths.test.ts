import { describe, expect, it } from "vitest";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { expectForwardedAs, expectRefused } from "./forge.ts";

const ROUTES = [
  { pattern: "/public/*", access: "public" },
  { pattern: "/admin/*", allow: { groups: ["admins"] } },
  { pattern: "*" },
];

describe("edge/origin path differentials", () => {
  it("does not let a public prefix carry a path an origin may read as a protected one", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES } });
    const member = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    for (const path of [
      "/public/..%2fadmin/panel",
      "/public/..%2Fadmin/panel",
      "/public/%2e%2e%2fadmin/panel",
      "/public/..%5cadmin/panel",
      "/public/..;/admin/panel",
      "/public/x/..%2f..%2fadmin/panel",
    ]) {
      await expectRefused(h, {}, "no_credential", 401, path);
      // A signed-in user whom the admin rule would not admit is not admitted either.
      const res = await h.fetch(path, h.bearer(member));
      expect(res.status, path).toBe(403);
    }
    expect(h.originCalls).toHaveLength(0);
  });

  it("does not let an encoded slash or a ;parameter move a path out of a stricter rule", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES } });
    const member = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    for (const path of ["/x/..%2fadmin/panel", "/admin;jsessionid=1/panel", "/x/..;/admin/panel"]) {
      const res = await h.fetch(path, h.bearer(member));
      expect(res.status, path).toBe(403);
    }
    expect(h.originCalls).toHaveLength(0);
    expect(h.logs.filter((l) => l.event === "decision").map((l) => l.route)).toEqual([
      "-2:(ambiguous path)",
      "-2:(ambiguous path)",
      "-2:(ambiguous path)",
    ]);
  });

  it("keeps serving encoded slashes and ;parameters that stay under the same rule", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES } });
    const member = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/public/a%2Fb.png")).status).toBe(200);
    expect((await h.fetch("/public/a;v=2/b.png")).status).toBe(200);
    await expectForwardedAs(h, h.bearer(member), "user-123", "/api/projects/group%2Fproject");
    await expectForwardedAs(h, h.bearer(member), "user-123", "/docs;lang=en/intro");
  });
});
