import { exportJWK, exportSPKI } from "jose";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import {
  CLIENT_ID,
  FakeIssuer,
  ISSUER,
  makeSigningKey,
  signToken,
  validClaims,
} from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { b64url, expectForwardedAs, expectRefused, headerFor, signRaw } from "./forge.ts";

const P256_ORDER = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}

function scalar(value: bigint): Uint8Array {
  return hex(value.toString(16).padStart(64, "0"));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** X9.62 DER of an R‖S signature, as a library that forgets JWS's encoding would send it. */
function toDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = bytes.slice(start);
    if ((body[0] as number) & 0x80) body = concat(new Uint8Array([0]), body);
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const half = raw.length / 2;
  const body = concat(integer(raw.slice(0, half)), integer(raw.slice(half)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

describe("hostile algorithms", () => {
  it("refuses alg none in every spelling, with or without a signature", async () => {
    const h = await createHarness();
    const payload = b64url(JSON.stringify(validClaims(h.nowSeconds())));
    for (const alg of ["none", "None", "NONE", "nOnE", "none ", ""]) {
      for (const signature of ["", "c2lnbmF0dXJl"]) {
        const token = `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${payload}.${signature}`;
        await expectRefused(h, h.bearer(token), "alg_not_allowed");
      }
    }
    expect(h.issuer.fetches).toEqual([]);
  });

  it("refuses HS256 made with the issuer's public key as the secret, in each form an attacker might use", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const publicKey = await crypto.subtle.importKey(
      "jwk",
      key.publicJwk as JsonWebKey,
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      true,
      ["verify"],
    );
    const secrets = [
      JSON.stringify(key.publicJwk),
      JSON.stringify(await exportJWK(publicKey)),
      await exportSPKI(publicKey),
      key.publicJwk.n as string,
    ];
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    for (const secret of secrets) {
      for (const alg of ["HS256", "HS384", "HS512"]) {
        const hmacKey = await crypto.subtle.importKey(
          "raw",
          new TextEncoder().encode(secret),
          { name: "HMAC", hash: `SHA-${alg.slice(2)}` },
          false,
          ["sign"],
        );
        const input = `${b64url(JSON.stringify({ alg, kid: key.kid, typ: "JWT" }))}.${b64url(claims)}`;
        const mac = await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(input));
        await expectRefused(h, h.bearer(`${input}.${b64url(new Uint8Array(mac))}`), "alg_not_allowed");
      }
    }
  });

  it("cannot be configured to accept none or HMAC", () => {
    for (const algs of ["none", "HS256", "RS256,HS256", "hs256"]) {
      const loaded = loadConfig({
        OIDC_ISSUER: ISSUER,
        OIDC_CLIENT_ID: CLIENT_ID,
        AUTH_ROUTES: [{ pattern: "*" }],
        OIDC_ALLOWED_ALGS: algs,
      });
      expect(loaded.ok, algs).toBe(false);
    }
  });

  it("refuses an alg the key was not published for, and an alg outside the operator's allow-list", async () => {
    const rsa = await makeSigningKey("RS256", "rsa-1");
    const ec = await makeSigningKey("ES256", "ec-1");
    const h = await createHarness({
      issuer: new FakeIssuer([rsa, ec]),
      vars: { OIDC_ALLOWED_ALGS: "RS256,ES256" },
    });
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    // An ES256 signature presented under the RSA key's kid, and the reverse.
    await expectRefused(
      h,
      h.bearer(await signRaw(ec, headerFor(ec, { kid: "rsa-1" }), claims)),
      "unknown_kid",
    );
    await expectRefused(
      h,
      h.bearer(await signRaw(rsa, headerFor(rsa, { kid: "ec-1" }), claims)),
      "unknown_kid",
    );
    // PS256 signed with the right RSA key is still outside this allow-list.
    const ps = { ...rsa, alg: "PS256" };
    const psKey = await crypto.subtle.importKey(
      "jwk",
      await crypto.subtle.exportKey("jwk", rsa.privateKey).then((jwk) => ({ ...jwk, alg: "PS256" })),
      { name: "RSA-PSS", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const psToken = await signRaw({ ...ps, privateKey: psKey }, headerFor(ps), claims);
    await expectRefused(h, h.bearer(psToken), "alg_not_allowed");
    // The honest tokens pass, so the refusals above are about the algorithm.
    await expectForwardedAs(h, h.bearer(await signRaw(ec, headerFor(ec), claims)), "user-123");
  });

  it("refuses ECDSA signatures with special r and s, r = s = 0 first (CVE-2022-21449)", async () => {
    const ec = await makeSigningKey("ES256", "ec-1");
    const h = await createHarness({ issuer: new FakeIssuer([ec]) });
    const n = BigInt(`0x${P256_ORDER}`);
    const input = `${b64url(headerFor(ec))}.${b64url(JSON.stringify(validClaims(h.nowSeconds())))}`;
    const specials: [bigint, bigint][] = [
      [0n, 0n],
      [0n, 1n],
      [1n, 0n],
      [1n, 1n],
      [n, n],
      [n, 0n],
      [0n, n],
      [n - 1n, n - 1n],
      [n + 1n, 1n],
      [2n ** 256n - 1n, 2n ** 256n - 1n],
    ];
    for (const [r, s] of specials) {
      const signature = concat(scalar(r), scalar(s));
      await expectRefused(h, h.bearer(`${input}.${b64url(signature)}`), "bad_signature");
    }
  });

  it("refuses an ECDSA signature in DER, and R‖S of the wrong length, even when the signature is right", async () => {
    const ec = await makeSigningKey("ES256", "ec-1");
    const h = await createHarness({ issuer: new FakeIssuer([ec]) });
    const token = await signToken(ec, validClaims(h.nowSeconds()));
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const raw = Uint8Array.from(atob(signature.replace(/-/g, "+").replace(/_/g, "/")), (c) =>
      c.charCodeAt(0),
    );
    const variants = [
      toDer(raw),
      concat(new Uint8Array([0]), raw),
      concat(raw, new Uint8Array([0])),
      raw.slice(1),
      concat(raw, raw),
    ];
    for (const variant of variants) {
      await expectRefused(h, h.bearer(`${header}.${payload}.${b64url(variant)}`), "bad_signature");
    }
    await expectForwardedAs(h, h.bearer(token), "user-123");
  });

  it("refuses crit in any form, b64:false, zip, a nested JWT (cty), a typ that is not JWT, and an access token where ID tokens are expected (RFC 9068 §4)", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    const cases: [Record<string, unknown>, string][] = [
      [{ crit: ["exp"] }, "crit_not_supported"],
      [{ crit: [] }, "crit_not_supported"],
      [{ crit: ["b64"], b64: false }, "crit_not_supported"],
      [{ crit: "b64" }, "crit_not_supported"],
      [{ b64: false }, "malformed"],
      [{ b64: true }, "malformed"],
      [{ zip: "DEF" }, "malformed"],
      [{ cty: "JWT" }, "unsupported_token_type"],
      [{ typ: "at+jwt" }, "token_type_not_allowed"],
      [{ typ: "application/AT+JWT" }, "token_type_not_allowed"],
      [{ typ: "JWE" }, "unsupported_token_type"],
      [{ typ: 1 }, "unsupported_token_type"],
    ];
    for (const [extra, reason] of cases) {
      await expectRefused(h, h.bearer(await signRaw(key, headerFor(key, extra), claims)), reason);
    }
  });

  it("verifies honest ES384, PS256 and EdDSA tokens through the same signature step", async () => {
    for (const alg of ["ES384", "PS256", "EdDSA"]) {
      const key = await makeSigningKey(alg, `${alg}-1`);
      const h = await createHarness({ issuer: new FakeIssuer([key]) });
      await expectForwardedAs(h, h.bearer(await signToken(key, validClaims(h.nowSeconds()))), "user-123");
      const forged = await signToken(await makeSigningKey(alg, `${alg}-1`), validClaims(h.nowSeconds()));
      await expectRefused(h, h.bearer(forged), "bad_signature");
    }
  });
});
