import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { configWithRoutes, matchRouteOf } from "../support/route-rules.ts";

const ADMINS = { allow: { groups: ["admins"] } };

const HELP = configWithRoutes([
  { pattern: "/help/guide", ...ADMINS },
  { pattern: "/help/private/*", ...ADMINS },
  { pattern: "/help/*", access: "public" },
  { pattern: "/admin/*", ...ADMINS },
  { pattern: "/public/*", access: "public" },
  { pattern: "/Reports/*", ...ADMINS },
  { pattern: "*" },
]);

/** `index:pattern` of the path's rule, or `ambiguous: <how it was read>`. */
function judge(config: GateConfig, path: string): string {
  const judged = matchRouteOf(config, "site.test", path);
  if (judged.ok) return `${judged.value.index}:${judged.value.pattern}`;
  expect(judged.failure).toMatchObject({ kind: "bad_path", reason: "ambiguous_path" });
  return `ambiguous: ${judged.failure.detail}`;
}

describe("judging a path by every reading an origin may make of it", () => {
  it("refuses a path whose case-folded reading falls under a rule that admits others", () => {
    expect(judge(HELP, "/help/PRIVATE/x")).toBe(
      "ambiguous: letter case ignored: 1:/help/private/* (as written: 2:/help/*)",
    );
    expect(judge(HELP, "/ADMIN/x")).toBe("ambiguous: letter case ignored: 3:/admin/* (as written: 6:*)");
    expect(judge(HELP, "/Help/Guide")).toBe(
      "ambiguous: letter case ignored: 0:/help/guide (as written: 6:*)",
    );
  });

  it("matches rules case-sensitively and compares the folded reading with folded patterns", () => {
    expect(judge(HELP, "/Reports/2026")).toBe("5:/Reports/*");
    // A rule written in upper case protects its lower-case spelling too.
    expect(judge(HELP, "/reports/2026")).toBe(
      "ambiguous: letter case ignored: 5:/Reports/* (as written: 6:*)",
    );
    // Upper case that stays under the same rule is served.
    expect(judge(HELP, "/help/Intro")).toBe("2:/help/*");
    expect(judge(HELP, "/public/Logo.PNG")).toBe("4:/public/*");
  });

  it("refuses a trailing slash that takes a path away from an exact rule, and keeps the rule's own path", () => {
    expect(judge(HELP, "/help/guide/")).toBe(
      "ambiguous: trailing slash removed: 0:/help/guide (as written: 2:/help/*)",
    );
    expect(judge(HELP, "/help/guide")).toBe("0:/help/guide");
    expect(judge(HELP, "/help/intro/")).toBe("2:/help/*");
    expect(judge(HELP, "/help/")).toBe("2:/help/*");
  });

  it("reads a path with a trailing slash where an exact rule is written with one", () => {
    const config = configWithRoutes([
      { pattern: "/team/", ...ADMINS },
      { pattern: "*", access: "public" },
    ]);
    expect(judge(config, "/team/")).toBe("0:/team/");
    expect(judge(config, "/team")).toBe("ambiguous: trailing slash added: 0:/team/ (as written: 1:*)");
    expect(judge(config, "/team/x")).toBe("1:*");
  });

  it("refuses `..;` segments and encoded slashes that lead to another rule (Tomcat, Jetty, nginx)", () => {
    expect(judge(HELP, "/public/..;/admin/panel")).toBe(
      "ambiguous: ; parameters dropped: 3:/admin/* (as written: 4:/public/*)",
    );
    expect(judge(HELP, "/public/..%2fadmin/panel")).toBe(
      "ambiguous: escapes decoded: 3:/admin/* (as written: 4:/public/*)",
    );
    expect(judge(HELP, "/public/..;/a/%2F..%2F/public")).toBe(
      "ambiguous: ; parameters dropped: 6:* (as written: 4:/public/*)",
    );
    expect(judge(HELP, "/public/..%2f/a/%2F..%2F/public")).toBe(
      "ambiguous: escapes decoded: 6:* (as written: 4:/public/*)",
    );
    expect(judge(HELP, "/public/x/..%5c..%5cadmin/panel")).toBe(
      "ambiguous: escapes decoded: 3:/admin/* (as written: 4:/public/*)",
    );
  });

  it("reads escapes decoded twice (`%252F`)", () => {
    expect(judge(HELP, "/public/..%252fadmin/panel")).toBe(
      "ambiguous: escapes decoded twice: 3:/admin/* (as written: 4:/public/*)",
    );
    expect(judge(HELP, "/public/%2e%2e%252fadmin/panel")).toBe(
      "ambiguous: escapes decoded twice: 3:/admin/* (as written: 4:/public/*)",
    );
  });

  it("reads dot segments both with empty segments kept (RFC 3986 §5.2.4) and after merging slashes", () => {
    // Kept: /public/x//.. is /public/x/; merged (nginx): /public/x/.. is /public/.
    const config = configWithRoutes([{ pattern: "/public/x/*", access: "public" }, { pattern: "*" }]);
    expect(judge(config, "/public/x/%2F..")).toBe(
      "ambiguous: escapes decoded, slashes merged: 1:* (as written: 0:/public/x/*)",
    );
  });

  it("serves readings that differ but fall under rules that admit the same requests", () => {
    expect(judge(HELP, "/public/a%2Fb.png")).toBe("4:/public/*");
    expect(judge(HELP, "/public/a;v=2/b.png")).toBe("4:/public/*");
    expect(judge(HELP, "/public/..%2fhelp/intro")).toBe("4:/public/*");
    expect(judge(HELP, "/docs;lang=en/intro")).toBe("6:*");
    expect(judge(HELP, "/api/projects/group%2Fproject")).toBe("6:*");
  });
});
