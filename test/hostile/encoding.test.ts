import { describe, expect, it } from "vitest";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { b64url, expectForwardedAs, expectRefused, headerFor, signRaw } from "./forge.ts";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The same bytes in a spelling a lenient decoder accepts: unused low bits of the last character set. */
function nonCanonical(segment: string): string | undefined {
  const unusedBits = { 2: 4, 3: 2 }[(segment.length % 4) as 2 | 3];
  if (unusedBits === undefined) return undefined;
  const last = BASE64URL.indexOf(segment.at(-1) as string);
  return `${segment.slice(0, -1)}${BASE64URL[last | 1]}`;
}

describe("hostile encodings", () => {
  it("refuses padding, whitespace, the +/ alphabet and non-canonical base64url in every segment", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    // A header and payload whose lengths leave bits unused, so a non-canonical spelling exists.
    let token = "";
    for (let pad = 0; !token; pad++) {
      const candidate = await signRaw(
        key,
        headerFor(key),
        JSON.stringify(validClaims(h.nowSeconds(), { pad: "x".repeat(pad) })),
      );
      const [header, payload, signature] = candidate.split(".") as [string, string, string];
      if (header.length % 4 > 1 && payload.length % 4 > 1 && /[-_]/.test(signature)) token = candidate;
    }
    await expectForwardedAs(h, h.bearer(token), "user-123");
    const [header, payload, signature] = token.split(".") as [string, string, string];

    const padding = "=".repeat((4 - (signature.length % 4)) % 4) || "====";
    const refusedAt401: [string, string][] = [
      [`${header}.${payload}.${signature}${padding}`, "malformed"],
      [`${header}.${payload}.${signature.replace(/-/g, "+").replace(/_/g, "/")}`, "malformed"],
      [`${nonCanonical(header)}.${payload}.${signature}`, "malformed"],
      [`${header}.${nonCanonical(payload)}.${signature}`, "malformed"],
      [`${header}.${payload}.${nonCanonical(signature)}`, "malformed"],
      [`${header}.${payload}`, "malformed"],
      [`${header}.${payload}.`, "malformed"],
      [`.${payload}.${signature}`, "malformed"],
      [`${header}.${payload}.${signature}.`, "malformed"],
      [`${header}.${payload}.${signature}.${signature}`, "malformed"],
      // Canonical base64url of other bytes: it decodes, and the signature is wrong.
      [`${header}.${payload}.${signature}A`, "bad_signature"],
      // An empty payload is no JSON object: refused before its issuer is chosen, before any key.
      [`${header}..${signature}`, "malformed"],
      [`${header}.${payload}.${signature.slice(0, 340)}`, "bad_signature"],
    ];
    for (const [index, [variant, reason]] of refusedAt401.entries()) {
      expect(variant, `variant ${index}`).not.toBe(token);
      await expectRefused(h, h.bearer(variant), reason);
    }
    // Characters outside RFC 6750's b64token never make it past the Authorization grammar.
    const refusedAt400 = [
      `${header}=.${payload}.${signature}`,
      `${header}. ${payload}.${signature}`,
      `${header}.${payload}.${signature.slice(0, 10)} ${signature.slice(10)}`,
      `${header}.${payload}\t.${signature}`,
      `${header}.${payload}.${signature}%3D`,
      `${header}.${payload}.${signature}\u00e9`,
      `"${token}"`,
    ];
    for (const variant of refusedAt400)
      await expectRefused(
        h,
        { headers: { authorization: `Bearer ${variant}` } },
        "invalid_authorization_header",
        400,
      );
  });

  it("refuses a payload that names a key twice, at any depth and in any escape, though it is signed", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    const inner = claims.slice(1, -1);
    const payloads = [
      `{${inner},"sub":"admin"}`,
      `{"sub":"admin",${inner}}`,
      `{${inner},"s\\u0075b":"admin"}`,
      `{${inner},"address":{"country":"NZ","country":"AU"}}`,
      `{${inner},"list":[{"a":1,"a":2}]}`,
      `{${inner},"iss":"https://issuer.test"}`,
    ];
    for (const payload of payloads)
      await expectRefused(h, h.bearer(await signRaw(key, headerFor(key), payload)), "malformed");
    const headers = [
      `{"alg":"RS256","alg":"none","kid":"rsa-1"}`,
      `{"alg":"RS256","kid":"rsa-1","kid":"other"}`,
      `{"alg":"RS256","kid":"rsa-1","\\u006bid":"other"}`,
    ];
    for (const header of headers)
      await expectRefused(h, h.bearer(await signRaw(key, header, claims)), "malformed");
  });

  it("refuses bytes that are not UTF-8, a byte-order mark, and JSON that is not an object", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    const utf8 = new TextEncoder();
    const withBytes = (text: string, bytes: number[], at: number) => {
      const encoded = utf8.encode(text);
      return new Uint8Array([...encoded.slice(0, at), ...bytes, ...encoded.slice(at)]);
    };
    const badPayloads: (string | Uint8Array)[] = [
      withBytes(claims, [0xff], claims.indexOf("Ada")),
      withBytes(claims, [0xc0, 0xa2], claims.indexOf("Ada")), // an overlong '"'
      withBytes(claims, [0xed, 0xa0, 0x80], claims.indexOf("Ada")), // a UTF-16 surrogate in UTF-8
      withBytes(claims, [0xe2, 0x82], claims.indexOf("Ada")), // truncated sequence
      `\ufeff${claims}`,
      JSON.stringify(JSON.stringify(validClaims(h.nowSeconds()))),
      "[]",
      "null",
      "",
      await signToken(key, validClaims(h.nowSeconds())), // a nested JWT as the payload
    ];
    for (const payload of badPayloads)
      await expectRefused(h, h.bearer(await signRaw(key, headerFor(key), payload)), "malformed");
    const badHeaders = [withBytes(headerFor(key), [0xff], 2), `\ufeff${headerFor(key)}`, "[]", `"RS256"`];
    for (const header of badHeaders)
      await expectRefused(h, h.bearer(await signRaw(key, header, claims)), "malformed");
    expect(h.originCalls).toHaveLength(0);
  });

  it("refuses a JWE, or anything with five segments, before looking at a key", async () => {
    const h = await createHarness();
    const jweHeader = b64url(JSON.stringify({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: "rsa-1" }));
    const jwe = `${jweHeader}.${b64url("encrypted key")}.${b64url("iv")}.${b64url("ciphertext")}.${b64url("tag")}`;
    await expectRefused(h, h.bearer(jwe), "malformed");
    const threeSegments = `${jweHeader}.${b64url("ciphertext")}.${b64url("tag")}`;
    await expectRefused(h, h.bearer(threeSegments), "alg_not_allowed");
    const direct = `${b64url(JSON.stringify({ alg: "dir", enc: "A128GCM" }))}.${b64url("x")}.${b64url("y")}`;
    await expectRefused(h, h.bearer(direct), "alg_not_allowed");
    expect(h.issuer.fetches).toEqual([]);
  });

  it("forwards an 8 KB token and refuses 64 KB and 1 MB ones before any parsing or key lookup", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const big = await signToken(
      key,
      validClaims(h.nowSeconds(), { groups: Array.from({ length: 600 }, (_, i) => `group-${i}`) }),
    );
    expect(big.length).toBeGreaterThan(8 * 1024);
    expect(big.length).toBeLessThan(16 * 1024);
    await expectForwardedAs(h, h.bearer(big), "user-123");
    const fetchesBefore = h.issuer.fetches.length;
    for (const size of [64 * 1024, 1024 * 1024]) {
      const huge = await signToken(key, validClaims(h.nowSeconds(), { filler: "x".repeat(size) }));
      await expectRefused(h, h.bearer(huge), "token_too_large");
      await expectRefused(h, h.bearer("a".repeat(size)), "token_too_large");
      await expectRefused(
        h,
        { headers: { authorization: `Bearer ${"a.".repeat(size / 2)} x` } },
        "invalid_authorization_header",
        400,
      );
    }
    expect(h.issuer.fetches).toHaveLength(fetchesBefore);
  });

  it("answers several Authorization headers with 400, whatever they hold (RFC 6750 §2.1 allows one)", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const pairs = [
      [`Bearer ${token}`, `Bearer ${token}`],
      [`Bearer ${token}`, "Bearer forged.token.here"],
      ["Basic dXNlcjpwYXNz", `Bearer ${token}`],
      [`Bearer ${token}`, "Basic dXNlcjpwYXNz"],
      [`Bearer ${token}`, ""],
    ];
    for (const [first, second] of pairs) {
      const headers = new Headers();
      headers.append("authorization", first as string);
      headers.append("Authorization", second as string);
      await expectRefused(h, { headers }, "invalid_authorization_header", 400);
    }
    await expectRefused(
      h,
      { headers: { authorization: `Bearer ${token} ${token}` } },
      "invalid_authorization_header",
      400,
    );
    await expectRefused(
      h,
      { headers: { authorization: `Bearer ${token},Bearer ${token}` } },
      "invalid_authorization_header",
      400,
    );
  });
});
