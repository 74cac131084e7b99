import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { configProblemsOver } from "../support/config-problems.ts";

const good = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [{ pattern: "*" }],
};

const problems = configProblemsOver(good);

describe("the operations settings", () => {
  it("default to logging every decision, masking emails, no Server-Timing, a 10 s revocation cache and a 500 ms fence interval", () => {
    const result = loadConfig(good);
    expect(result.ok && result.value.observe).toEqual({
      logSampleRate: 1,
      logEmails: false,
      serverTiming: false,
    });
    expect(result.ok && result.value.revocation).toEqual({
      cacheSeconds: 10,
      maxStaleSeconds: 60,
      fence: { intervalMs: 500, timeoutMs: 150, maxPagesPerCheck: 10 },
      fenceRequired: false,
    });
  });

  it("read TOML values and the strings that --var and .dev.vars give", () => {
    const fromToml = loadConfig({ ...good, LOG_SAMPLE_RATE: 0.25, LOG_EMAILS: true, SERVER_TIMING: false });
    expect(fromToml.ok && fromToml.value.observe).toEqual({
      logSampleRate: 0.25,
      logEmails: true,
      serverTiming: false,
    });
    const fromStrings = loadConfig({
      ...good,
      LOG_SAMPLE_RATE: "0.5",
      LOG_EMAILS: "FALSE",
      SERVER_TIMING: " true ",
      REVOCATION_CACHE_SECONDS: "30",
    });
    expect(fromStrings.ok && fromStrings.value.observe).toEqual({
      logSampleRate: 0.5,
      logEmails: false,
      serverTiming: true,
    });
    expect(fromStrings.ok && fromStrings.value.revocation.cacheSeconds).toBe(30);
  });

  it("name each out-of-range or unreadable value with its path", () => {
    expect(
      problems({ LOG_SAMPLE_RATE: 1.5, LOG_EMAILS: "yes", SERVER_TIMING: 1, REVOCATION_CACHE_SECONDS: 120 }),
    ).toEqual([
      "LOG_SAMPLE_RATE: must be at most 1",
      'LOG_EMAILS: must be true or false (a TOML boolean, or the string "true" or "false")',
      'SERVER_TIMING: must be true or false (a TOML boolean, or the string "true" or "false")',
      "REVOCATION_CACHE_SECONDS: must be at most 60",
    ]);
    expect(problems({ LOG_SAMPLE_RATE: "half" })).toEqual([
      "LOG_SAMPLE_RATE: must be a number between 0 and 1",
    ]);
  });
});
