import { expect } from "vitest";
import { encodeBase64Url } from "../../src/jwt/base64url.ts";
import { ISSUER, type SigningKey } from "../support/fake-issuer.ts";
import { type Harness, ORIGIN } from "../support/harness.ts";

/** Tools to write the tokens an attacker would: any header and payload text, signed or not. */

const utf8 = new TextEncoder();

export function b64url(value: string | Uint8Array): string {
  return encodeBase64Url(typeof value === "string" ? utf8.encode(value) : value);
}

const SIGNING: Readonly<Record<string, SubtleCryptoSignAlgorithm>> = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  PS256: { name: "RSA-PSS", saltLength: 32 },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  ES384: { name: "ECDSA", hash: "SHA-384" },
  EdDSA: { name: "Ed25519" },
};

/**
 * Signs exactly the given header and payload texts (so they may repeat keys, hold 1e400 or bytes that
 * are not UTF-8) with `key`. The signature is real: whatever the worker refuses, it refuses for what
 * the token says, not for a broken signature.
 */
export async function signRaw(
  key: SigningKey,
  header: string | Uint8Array,
  payload: string | Uint8Array,
): Promise<string> {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const params = SIGNING[key.alg];
  if (!params) throw new Error(`no signing parameters for ${key.alg}`);
  const signature = await crypto.subtle.sign(params, key.privateKey, utf8.encode(signingInput));
  return `${signingInput}.${b64url(new Uint8Array(signature))}`;
}

/** The JSON text of a header for `key`, with extra members appended in order. */
export function headerFor(key: SigningKey, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT", ...extra });
}

export const IDENTITY_HEADER = /^x[-_]auth[-_]/i;

/**
 * Asserts what every refusal must look like: a 401 (or 400 for a malformed Authorization header), never
 * a 5xx; one decision line with the expected reason; the origin never called, so no identity header
 * reached it; and no request to any host but the issuer.
 */
export async function expectRefused(
  h: Harness,
  init: RequestInit,
  reason: string | RegExp,
  status: 401 | 400 = 401,
  path = "/private",
): Promise<void> {
  const originCallsBefore = h.originCalls.length;
  const logsBefore = h.logs.length;
  const response = await h.fetch(path, init);
  expect(response.status).toBe(status);
  expect(response.headers.get("cache-control")).toBe("private, no-store");
  const decisions = h.logs.slice(logsBefore).filter((line) => line.event === "decision");
  expect(decisions).toHaveLength(1);
  expect(decisions[0]?.outcome).toBe("refused");
  if (typeof reason === "string") expect(decisions[0]?.reason).toBe(reason);
  else expect(decisions[0]?.reason).toMatch(reason);
  expect(h.originCalls).toHaveLength(originCallsBefore);
  expect(h.outbound.filter((url) => !url.startsWith(`${ISSUER}/`) && !url.startsWith(`${ORIGIN}/`))).toEqual(
    [],
  );
  await response.arrayBuffer();
}

/** Asserts that the request was forwarded, with the worker's own identity headers. */
export async function expectForwardedAs(h: Harness, init: RequestInit, sub: string, path = "/private") {
  const originCallsBefore = h.originCalls.length;
  const response = await h.fetch(path, init);
  expect(response.status).toBe(200);
  expect(h.originCalls).toHaveLength(originCallsBefore + 1);
  const call = h.originCalls.at(-1);
  expect(call?.headers.get("x-auth-sub")).toBe(sub);
  expect(h.outbound.filter((url) => !url.startsWith(`${ISSUER}/`) && !url.startsWith(`${ORIGIN}/`))).toEqual(
    [],
  );
  await response.arrayBuffer();
  return call;
}
