import { describe, expect, it } from "vitest";
import { cookieScheme, parseCookies, stripOwnCookies } from "../../src/http/cookies.ts";

describe("cookies", () => {
  it("are __Host- and Secure over https and on any non-loopback host", () => {
    expect(cookieScheme(new URL("https://site.test/"), "edge-auth")).toEqual({
      secure: true,
      session: "__Host-edge-auth",
      loginPrefix: "__Host-edge-auth-login-",
    });
    expect(cookieScheme(new URL("http://site.test/"), "edge-auth").secure).toBe(true);
    for (const host of ["127.0.0.1:8787", "localhost:8787", "[::1]:8787"])
      expect(cookieScheme(new URL(`http://${host}/`), "edge-auth")).toEqual({
        secure: false,
        session: "edge-auth",
        loginPrefix: "edge-auth-login-",
      });
  });

  it("are parsed first-one-wins, tolerating spaces, quotes and stray separators", () => {
    const cookies = parseCookies(' a=1;b="two" ; ;c=x=y; a=shadow; =novalue; flag');
    expect([...cookies]).toEqual([
      ["a", "1"],
      ["b", "two"],
      ["c", "x=y"],
    ]);
  });

  it("of edge-auth are removed before the origin, in every prefix spelling; others stay", () => {
    const headers = new Headers({
      cookie:
        "a=1; __Host-edge-auth=s; __HOST-edge-auth=t; __Secure-edge-auth=u; edge-auth=v; edge-auth-login-x=w; edge-authority=keep; b=2",
    });
    stripOwnCookies(headers, "edge-auth");
    expect(headers.get("cookie")).toBe("a=1; edge-authority=keep; b=2");
    const only = new Headers({ cookie: "__Host-edge-auth=s" });
    stripOwnCookies(only, "edge-auth");
    expect(only.has("cookie")).toBe(false);
  });
});
