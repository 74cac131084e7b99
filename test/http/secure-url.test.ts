import { describe, expect, it } from "vitest";
import { isLoopbackHost, isSecureUrl } from "../../src/http/secure-url.ts";

describe("the one secure-URL rule (issuer, provider endpoints, cookies, own endpoints)", () => {
  it("accepts https anywhere and plain http only on loopback hosts", () => {
    for (const url of [
      "https://login.example.com/x",
      "http://127.0.0.1:9400",
      "http://[::1]/",
      "http://localhost:8787",
    ])
      expect(isSecureUrl(url), url).toBe(true);
    for (const url of [
      "http://login.example.com",
      "http://localhost.example.com",
      "http://127.0.0.1.nip.io",
      "http://10.0.0.1",
      "ftp://127.0.0.1",
      "/relative",
      "not a url",
    ])
      expect(isSecureUrl(url), url).toBe(false);
    expect(isSecureUrl(undefined)).toBe(false);
    expect(isSecureUrl(42)).toBe(false);
  });

  it("names loopback hosts as URL.hostname spells them", () => {
    expect(["127.0.0.1", "[::1]", "localhost"].map(isLoopbackHost)).toEqual([true, true, true]);
    expect(isLoopbackHost(new URL("http://[0:0:0:0:0:0:0:1]/").hostname)).toBe(true);
    expect(isLoopbackHost("127.0.0.2")).toBe(false);
  });
});
