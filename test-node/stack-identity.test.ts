import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkProviderIdentity, checkWorkerIdentity } from "../dev/stack-identity.ts";

const ISSUER = "http://127.0.0.1:19999";
const CLIENT_ID = "edge-auth-demo";
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server on a free port of 127.0.0.1 that is not this run's worker or provider. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function redirectingTo(location: (siteUrl: string) => string): Promise<string> {
  let siteUrl = "";
  return serve((_req, res) => void res.writeHead(302, { location: location(siteUrl) }).end()).then((url) => {
    siteUrl = url;
    return url;
  });
}

function authorizeUrl(issuer: string, clientId: string, siteUrl: string): string {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: `${siteUrl}/auth/callback`,
  }).toString();
  return url.href;
}

describe("recognising this run's worker on its port", () => {
  it("accepts a worker whose sign-in goes to this run's provider with this run's client and callback", async () => {
    const siteUrl = await redirectingTo((site) => authorizeUrl(ISSUER, CLIENT_ID, site));
    expect(await checkWorkerIdentity({ siteUrl, issuer: ISSUER, clientId: CLIENT_ID })).toEqual({ ok: true });
  });

  it("refuses a server that answers the sign-in path with a page of its own", async () => {
    const siteUrl = await serve((_req, res) => void res.writeHead(200).end("another app"));
    expect(await checkWorkerIdentity({ siteUrl, issuer: ISSUER, clientId: CLIENT_ID })).toEqual({
      ok: false,
      found: "GET /auth/login?return_to=/ answered 200",
    });
  });

  it("refuses an edge-auth started for another provider (an earlier npm start still running)", async () => {
    const siteUrl = await redirectingTo((site) => authorizeUrl("http://127.0.0.1:9400", CLIENT_ID, site));
    const identity = await checkWorkerIdentity({ siteUrl, issuer: ISSUER, clientId: CLIENT_ID });
    expect(identity).toMatchObject({
      ok: false,
      found: expect.stringContaining("http://127.0.0.1:9400/auth?"),
    });
  });

  it("refuses a worker that signs in with another client id", async () => {
    const siteUrl = await redirectingTo((site) => authorizeUrl(ISSUER, "someone-else", site));
    expect(await checkWorkerIdentity({ siteUrl, issuer: ISSUER, clientId: CLIENT_ID })).toMatchObject({
      ok: false,
    });
  });
});

describe("recognising this run's provider on its port (OpenID Connect Discovery 1.0 §4.3)", () => {
  it("refuses a discovery document that names another issuer", async () => {
    const issuer = await serve(
      (_req, res) =>
        void res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ issuer: ISSUER })),
    );
    expect(await checkProviderIdentity(issuer)).toEqual({
      ok: false,
      found: `${issuer}/.well-known/openid-configuration answered 200 naming issuer ${ISSUER}`,
    });
  });

  it("accepts a discovery document that names the issuer it was fetched for", async () => {
    let self = "";
    self = await serve(
      (_req, res) =>
        void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: self })),
    );
    expect(await checkProviderIdentity(self)).toEqual({ ok: true });
  });
});
