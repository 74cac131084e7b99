import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { configProblems } from "../support/config-problems.ts";

const base = { OIDC_ISSUER: "https://issuer.test", OIDC_CLIENT_ID: "c", AUTH_ROUTES: [{ pattern: "*" }] };

describe("the key cache settings", () => {
  it("default to the documented values", () => {
    const loaded = loadConfig(base);
    expect(loaded.ok && loaded.value.keyCache).toEqual({
      minMaxAgeSeconds: 300,
      maxMaxAgeSeconds: 86_400,
      maxStaleSeconds: 21_600,
      fetchTimeoutMs: 4000,
      maxResponseBytes: 524_288,
      unknownKidCooldownSeconds: 30,
      unknownKidSharedCooldown: true,
      failureBackoffSeconds: 30,
      refreshAheadSeconds: 600,
      kvTimeoutMs: DEFAULTS.kvTimeoutMs,
    });
  });

  it("read TOML values and strings from --var or .dev.vars alike", () => {
    const loaded = loadConfig({
      ...base,
      JWKS_MAX_STALE_SECONDS: "7200",
      JWKS_FAILURE_BACKOFF_SECONDS: 10,
      JWKS_REFRESH_AHEAD_SECONDS: "0",
      UNKNOWN_KID_SHARED_COOLDOWN: " False ",
    });
    expect(loaded.ok && loaded.value.keyCache).toMatchObject({
      maxStaleSeconds: 7200,
      failureBackoffSeconds: 10,
      refreshAheadSeconds: 0,
      unknownKidSharedCooldown: false,
    });
  });

  it("report every bad value with its path", () => {
    const problems = configProblems({
      ...base,
      JWKS_MIN_MAX_AGE_SECONDS: 0,
      JWKS_FAILURE_BACKOFF_SECONDS: 0,
      UNKNOWN_KID_SHARED_COOLDOWN: "yes",
    });
    expect(problems).toEqual([
      "JWKS_MIN_MAX_AGE_SECONDS: must be at least 60",
      'UNKNOWN_KID_SHARED_COOLDOWN: must be true or false (a TOML boolean, or the string "true" or "false")',
      "JWKS_FAILURE_BACKOFF_SECONDS: must be at least 1",
    ]);
  });
});
