import { describe, expect, it } from "vitest";
import { formatProblem, loadConfig } from "../../src/config/load-config.ts";
import { configProblemsOver } from "../support/config-problems.ts";

const BASE = {
  OIDC_ISSUER: "https://issuer.test",
  OIDC_CLIENT_ID: "client-1",
  AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
  SESSION_SECRET: "Zk3v9Qe1Lr8Tn2Wx7Yb4Hc6Jd0Mf5Pg-",
};

const problems = configProblemsOver(BASE);

describe("sign-in configuration", () => {
  it("has defaults for scopes, lifetimes and cookie name", () => {
    const loaded = loadConfig(BASE);
    if (!loaded.ok) throw new Error(loaded.failure.map(formatProblem).join("\n"));
    expect(loaded.value.login).toMatchObject({
      scopes: ["openid", "email", "profile"],
      tokenAuthMethod: "none",
      extraAuthParams: {},
      transactionTtlSeconds: 600,
    });
    expect(loaded.value.session).toMatchObject({
      absoluteTtlSeconds: 86400,
      idleTtlSeconds: 7200,
      cookieName: "edge-auth",
    });
    expect(loaded.value.loginEnabled).toBe(true);
  });

  it("requires SESSION_SECRET when a route always sends browsers to sign in, naming that route", () => {
    expect(
      problems({
        SESSION_SECRET: undefined,
        AUTH_ROUTES: [
          { pattern: "/public/*", access: "public" },
          { pattern: "*", unauthenticated: "login" },
        ],
      }),
    ).toEqual([
      expect.stringMatching(
        /^SESSION_SECRET: is required because AUTH_ROUTES\[1\] \("\*"\) sends browsers to sign in/,
      ),
    ]);
  });

  it("does not require SESSION_SECRET when protected routes answer auto or 401: sign-in is then off", () => {
    const env = {
      SESSION_SECRET: undefined,
      AUTH_ROUTES: [
        { pattern: "/docs/*", access: "public" },
        { pattern: "/api/*", unauthenticated: "401" },
        { pattern: "*", unauthenticated: "auto" },
      ],
    };
    expect(problems(env)).toEqual([]);
    const loaded = loadConfig({ ...BASE, ...env });
    expect(loaded.ok && loaded.value.loginEnabled).toBe(false);
  });

  it("refuses a weak SESSION_SECRET", () => {
    expect(problems({ SESSION_SECRET: "too-short" })).toEqual([
      expect.stringMatching(/^SESSION_SECRET: is too weak \(9 bytes, under 32\)/),
    ]);
    expect(problems({ SESSION_SECRET: "a".repeat(40) })).toEqual([
      expect.stringMatching(/^SESSION_SECRET: is too weak \(only 1 distinct characters\)/),
    ]);
  });

  it("reads scopes, extra authorization parameters and the client secret", () => {
    const loaded = loadConfig({
      ...BASE,
      OIDC_SCOPES: "openid email  groups",
      OIDC_AUTH_PARAMS: '{"prompt":"login","max_age":"600","acr_values":"urn:mfa"}',
      OIDC_CLIENT_SECRET: "secret",
    });
    if (!loaded.ok) throw new Error(loaded.failure.map(formatProblem).join("\n"));
    expect(loaded.value.login).toMatchObject({
      scopes: ["openid", "email", "groups"],
      extraAuthParams: { prompt: "login", max_age: "600", acr_values: "urn:mfa" },
      maxAgeSeconds: 600,
      tokenAuthMethod: "client_secret_basic",
      clientSecret: "secret",
    });
  });

  it("reports every sign-in problem with its path", () => {
    expect(
      problems({
        OIDC_SCOPES: "email profile",
        OIDC_AUTH_PARAMS: { nonce: "fixed", max_age: "soon" },
        SESSION_IDLE_TTL_SECONDS: 90000,
        SESSION_COOKIE_NAME: "__Host-mine",
        OIDC_TOKEN_AUTH_METHOD: "private_key_jwt",
      }),
    ).toEqual([
      'OIDC_TOKEN_AUTH_METHOD: must be "client_secret_basic" or "client_secret_post"',
      'OIDC_SCOPES: must include "openid" (OIDC Core §3.1.2.1)',
      'SESSION_COOKIE_NAME: must not start with "__Host-" or "__Secure-": the prefix is added when the site is served over https',
      'OIDC_AUTH_PARAMS.nonce: "nonce" is set by edge-auth for every attempt and cannot be overridden',
      expect.stringMatching(/^OIDC_AUTH_PARAMS: max_age must be a whole number/),
      // Checked across fields in the same run, not after the others are fixed.
      "SESSION_IDLE_TTL_SECONDS: must not exceed SESSION_ABSOLUTE_TTL_SECONDS (90000 > 86400)",
    ]);
  });

  it("refuses OIDC_TOKEN_AUTH_METHOD without OIDC_CLIENT_SECRET", () => {
    expect(problems({ OIDC_TOKEN_AUTH_METHOD: "client_secret_post" })).toEqual([
      "OIDC_TOKEN_AUTH_METHOD: requires OIDC_CLIENT_SECRET (client_secret_post sends the client secret); set the secret, or remove it for a public client",
    ]);
  });
});
