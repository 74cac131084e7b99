import { describe, expect, it } from "vitest";
import { configProblemsOver } from "../support/config-problems.ts";

const good = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [{ pattern: "/*" }],
};

const problems = configProblemsOver(good);

describe("the header settings", () => {
  it("refuse an identity header or token header that would overwrite the request's own headers", () => {
    const reserved = [
      "Cookie",
      "authorization",
      "Host",
      "content-length",
      "Transfer-Encoding",
      "connection",
      "TE",
      "upgrade",
      "Proxy-Authorization",
      "set-cookie",
      "Content_Length",
    ];
    for (const name of reserved) {
      expect(problems({ IDENTITY_HEADERS: { sub: name } }), name).toEqual([
        `IDENTITY_HEADERS.sub: ${JSON.stringify(name)} is reserved (cookie, authorization, host, content-length, transfer-encoding, connection, te, upgrade, proxy-authorization, set-cookie); choose another name`,
      ]);
      expect(problems({ FORWARD_TOKEN_HEADER: name }), name).toHaveLength(1);
    }
  });

  it("refuse identity and token header names in Cloudflare's cf- namespace", () => {
    expect(
      problems({ IDENTITY_HEADERS: { email: "CF-Auth-Email" }, FORWARD_TOKEN_HEADER: "cf-token" }),
    ).toEqual([
      'IDENTITY_HEADERS.email: "CF-Auth-Email" starts with "cf-", which belongs to Cloudflare; choose another name',
      'FORWARD_TOKEN_HEADER: "cf-token" starts with "cf-", which belongs to Cloudflare; choose another name',
    ]);
  });

  it("refuse an identity header prefix shorter than 4 characters or one that would strip needed headers", () => {
    expect(problems({ IDENTITY_HEADER_PREFIX: "X-U" })).toEqual([
      "IDENTITY_HEADER_PREFIX: must be at least 4 characters (every request header starting with it is removed)",
    ]);
    for (const prefix of [
      "Cook",
      "Auth",
      "Content-",
      "Conn",
      "X-Forwarded",
      "x_forw",
      "Proxy-Auth",
      "Transfer-",
    ]) {
      expect(problems({ IDENTITY_HEADER_PREFIX: prefix }), prefix).toEqual([
        `IDENTITY_HEADER_PREFIX: ${JSON.stringify(prefix)} would remove headers edge-auth must keep (cookie, authorization, host, content-length, transfer-encoding, connection, te, upgrade, proxy-authorization, set-cookie, X-Forwarded-*, cf-*); use a specific prefix such as "X-Auth-"`,
      ]);
    }
    expect(
      problems({
        IDENTITY_HEADER_PREFIX: "X-User-",
        IDENTITY_HEADERS: { sub: "X-User-Id", email: "X-User-Mail" },
        FORWARD_TOKEN_HEADER: "X-User-Token",
      }),
    ).toEqual([]);
  });
});
