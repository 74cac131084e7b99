/**
 * Peer (f): hono's built-in `jwk` middleware pointed at the provider's JWKS URL, checking issuer and
 * audience, the subject passed on in a header, then forward. (It fetches the JWKS on every request.)
 */
import { type Context, Hono, type MiddlewareHandler, type Next } from "hono";
import { jwk } from "hono/jwk";

interface Env {
  readonly ASSETS: Fetcher;
  readonly ISSUER: string;
  readonly CLIENT_ID: string;
  readonly JWKS_URL: string;
}

type AppEnv = { Bindings: Env; Variables: { jwtPayload: Record<string, unknown> } };

let middleware: MiddlewareHandler | undefined;
const app = new Hono<AppEnv>();

app.use("*", (c: Context<AppEnv>, next: Next) => {
  middleware ??= jwk({
    jwks_uri: c.env.JWKS_URL,
    alg: ["RS256", "ES256"],
    verification: { iss: c.env.ISSUER, aud: c.env.CLIENT_ID },
  });
  return middleware(c, next);
});

app.all("*", (c) => {
  const payload = c.get("jwtPayload");
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.set("x-auth-sub", String(payload.sub));
  if (typeof payload.email === "string") headers.set("x-auth-email", payload.email);
  const url = new URL(c.req.url);
  return c.env.ASSETS.fetch(`http://origin.bench${url.pathname}${url.search}`, {
    method: c.req.method,
    headers,
  });
});

export default app;
