import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface JwksIssuer {
  readonly issuer: string;
  /** Paths the issuer was asked for, in order (discovery, JWKS). */
  readonly requests: string[];
  /** Signs an access token with the issuer's key (RFC 9068: `typ: at+jwt` unless `typ` says otherwise). */
  sign(claims: JWTPayload, typ?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A second, minimal token issuer on 127.0.0.1: an OIDC discovery document and a JWKS, served by
 * node:http, and tokens signed with jose with a key generated at start. What an API's authorization
 * server looks like to a resource server (RFC 9068), nothing more.
 */
export async function startJwksIssuer(): Promise<JwksIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "api-es256", alg: "ES256", use: "sig" };
  const requests: string[] = [];
  let issuer = "";
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const body =
      req.url === "/.well-known/openid-configuration"
        ? { issuer, jwks_uri: `${issuer}/jwks` }
        : req.url === "/jwks"
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json", "cache-control": "max-age=300" });
    res.end(JSON.stringify(body ?? { error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    requests,
    sign: (claims, typ = "at+jwt") =>
      new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: jwk.kid, typ }).sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
