/**
 * Peer (f): the worker a user writes by hand with jose — `createRemoteJWKSet` + `jwtVerify` checking
 * issuer, audience and algorithms, the subject passed on in a header, then forward.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";

interface Env {
  readonly ASSETS: Fetcher;
  readonly ISSUER: string;
  readonly CLIENT_ID: string;
  readonly JWKS_URL: string;
}

let jwks: JWTVerifyGetKey | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    jwks ??= createRemoteJWKSet(new URL(env.JWKS_URL));
    const authorization = request.headers.get("authorization") ?? "";
    if (!authorization.startsWith("Bearer ")) return new Response("unauthorized", { status: 401 });
    try {
      const { payload } = await jwtVerify(authorization.slice(7), jwks, {
        issuer: env.ISSUER,
        audience: env.CLIENT_ID,
        algorithms: ["RS256", "ES256"],
      });
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      headers.set("x-auth-sub", String(payload.sub));
      if (typeof payload.email === "string") headers.set("x-auth-email", payload.email);
      const url = new URL(request.url);
      return env.ASSETS.fetch(`http://origin.bench${url.pathname}${url.search}`, {
        method: request.method,
        headers,
      });
    } catch {
      return new Response("unauthorized", { status: 401 });
    }
  },
};
