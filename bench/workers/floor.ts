/**
 * Variant (b), the floor: exactly one `crypto.subtle.verify` of the bearer token's signature with a key
 * imported once per isolate, then the request is forwarded. No claims, no key lookup, no hygiene: the
 * least any gate that verifies every request must do.
 */

interface Env {
  readonly ASSETS: Fetcher;
  readonly PUBLIC_JWK: JsonWebKey;
  readonly ALG: "RS256" | "ES256";
}

const PARAMS = {
  RS256: {
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    verify: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: {
    import: { name: "ECDSA", namedCurve: "P-256" },
    verify: { name: "ECDSA", hash: "SHA-256" },
  },
} as const;

let key: CryptoKey | undefined;
const encoder = new TextEncoder();

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const params = PARAMS[env.ALG];
    key ??= await crypto.subtle.importKey("jwk", env.PUBLIC_JWK, params.import, false, ["verify"]);
    const token = (request.headers.get("authorization") ?? "").slice("Bearer ".length);
    const lastDot = token.lastIndexOf(".");
    const signature = fromBase64Url(token.slice(lastDot + 1));
    const signed = encoder.encode(token.slice(0, lastDot));
    if (!(await crypto.subtle.verify(params.verify, key, signature, signed)))
      return new Response("bad signature", { status: 401 });
    const url = new URL(request.url);
    return env.ASSETS.fetch(new Request(`http://origin.bench${url.pathname}${url.search}`, request));
  },
};

/** Uint8Array.fromBase64 (in workerd, not yet in TypeScript's lib). */
function fromBase64Url(text: string): Uint8Array {
  const native = Uint8Array as unknown as {
    fromBase64(text: string, options: { alphabet: "base64url" }): Uint8Array;
  };
  return native.fromBase64(text, { alphabet: "base64url" });
}
