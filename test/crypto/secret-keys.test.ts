import { describe, expect, it } from "vitest";
import { SecretKeys } from "../../src/crypto/secret-keys.ts";
import { workersPlatform } from "../../src/platform.ts";

const secrets = new SecretKeys("test-only-secret-for-sealing-0123456789");

describe("values sealed with SESSION_SECRET", () => {
  it("open where they were sealed", async () => {
    const sealed = await secrets.seal("refresh-token", "rt-value", "session:abc", workersPlatform);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("rt-value");
    expect(await secrets.open("refresh-token", sealed, "session:abc")).toBe("rt-value");
  });

  it("do not open in another context, for another purpose, under another secret, or altered", async () => {
    const sealed = await secrets.seal("refresh-token", "rt-value", "session:abc", workersPlatform);
    expect(await secrets.open("refresh-token", sealed, "session:other")).toBeUndefined();
    expect(await secrets.open("login-transaction", sealed, "session:abc")).toBeUndefined();
    expect(
      await new SecretKeys("another-secret-0123456789-abcdefghij").open(
        "refresh-token",
        sealed,
        "session:abc",
      ),
    ).toBeUndefined();
    const altered = `${sealed.slice(0, 10)}${sealed[10] === "A" ? "B" : "A"}${sealed.slice(11)}`;
    expect(await secrets.open("refresh-token", altered, "session:abc")).toBeUndefined();
    expect(await secrets.open("refresh-token", "v1.", "session:abc")).toBeUndefined();
  });

  it("use a fresh IV every time", async () => {
    const a = await secrets.seal("refresh-token", "same", "ctx", workersPlatform);
    const b = await secrets.seal("refresh-token", "same", "ctx", workersPlatform);
    expect(a).not.toBe(b);
  });

  it("authenticate messages with an HMAC per purpose", async () => {
    const tag = await secrets.mac("session-cookie", "id");
    expect(await secrets.verifyMac("session-cookie", "id", tag)).toBe(true);
    expect(await secrets.verifyMac("session-cookie", "id2", tag)).toBe(false);
    expect(await secrets.verifyMac("login-transaction", "id", tag)).toBe(false);
    expect(await secrets.verifyMac("session-cookie", "id", "!!")).toBe(false);
  });
});
