import { describe, expect, it } from "vitest";
import { decisionLine, recordDecision } from "../../src/observe/decision-log.ts";
import { maskEmail, redactLogValue } from "../../src/observe/redact.ts";
import type { Runtime } from "../../src/platform.ts";

const settings = { logSampleRate: 1, logEmails: false, serverTiming: false };

function recordingRuntime(randomByte = 0) {
  const lines: Record<string, unknown>[] = [];
  const points: unknown[] = [];
  const rt = {
    now: () => 0,
    fetch: () => Promise.reject(new Error("no network")),
    randomBytes: (n: number) => new Uint8Array(n).fill(randomByte),
    log: (line: Record<string, unknown>) => lines.push(line),
    kv: undefined as unknown as KVNamespace,
    waitUntil: () => {},
    metrics: { decision: (d: unknown) => points.push(d), providerFetch: () => {} },
  } satisfies Runtime;
  return { rt, lines, points };
}

describe("decision log lines", () => {
  it("carries every decision field under event decision and omits absent ones", () => {
    const line = decisionLine(
      {
        requestId: "8f1c2a3b4c5d6e7f-AMS",
        route: "1:/admin/*",
        outcome: "refused",
        status: 401,
        reason: "expired",
        detail: "expired 45s ago",
        credential: "bearer",
        issuer: "https://issuer.test",
        kid: "rsa-1",
        tier: "memory",
        keyAgeSeconds: 12,
        durationMs: 3,
        authMs: 3,
      },
      settings,
    );
    expect(line).toEqual({
      event: "decision",
      requestId: "8f1c2a3b4c5d6e7f-AMS",
      route: "1:/admin/*",
      outcome: "refused",
      status: 401,
      reason: "expired",
      detail: "expired 45s ago",
      credential: "bearer",
      issuer: "https://issuer.test",
      kid: "rsa-1",
      tier: "memory",
      keyAgeSeconds: 12,
      durationMs: 3,
      authMs: 3,
    });
  });

  it("masks email addresses in any field unless LOG_EMAILS is on", () => {
    const decision = {
      requestId: "r",
      route: "(default)",
      outcome: "forwarded" as const,
      status: 200,
      sub: "Ada.Lovelace@Example.com",
      email: "ada@example.com",
      durationMs: 1,
    };
    expect(decisionLine(decision, settings)).toMatchObject({
      sub: "***@example.com",
      email: "***@example.com",
    });
    expect(decisionLine(decision, { logEmails: true })).toMatchObject({
      sub: "Ada.Lovelace@Example.com",
      email: "ada@example.com",
    });
  });

  it("replaces anything shaped like a JWT or a long opaque secret, whole or one segment", () => {
    const jwt =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmU";
    expect(redactLogValue(`token was ${jwt} here`, false)).toBe("token was [jwt] here");
    expect(redactLogValue("eyJhbGciOiJSUzI1NiJ9", false)).toBe("[jwt]");
    const secret = "A".repeat(30) + "b".repeat(30);
    expect(redactLogValue(`secret ${secret}`, false)).toBe("secret [redacted]");
    expect(redactLogValue("kid 1e9gdk7ab0c3f1d2e4a5b6c7d8e9f0a1b2c3d4e5", false)).toBe(
      "kid 1e9gdk7ab0c3f1d2e4a5b6c7d8e9f0a1b2c3d4e5",
    );
  });

  it("caps a field at 256 characters", () => {
    expect(redactLogValue("x ".repeat(300), false)).toHaveLength(257);
  });

  it("masks an email to its domain only", () => {
    expect(maskEmail("Someone@Mail.Example.ORG")).toBe("***@mail.example.org");
  });
});

describe("recording a decision", () => {
  const allowed = {
    requestId: "r",
    route: "(default)",
    outcome: "forwarded" as const,
    status: 200,
    durationMs: 1,
  };
  const refused = { ...allowed, outcome: "refused" as const, status: 401, reason: "expired" as const };

  it("logs allowed decisions at LOG_SAMPLE_RATE but always logs refusals, and counts all of them", () => {
    const { rt, lines, points } = recordingRuntime();
    recordDecision(rt, { ...settings, logSampleRate: 0 }, allowed);
    recordDecision(rt, { ...settings, logSampleRate: 0 }, refused);
    expect(lines.map((line) => line.outcome)).toEqual(["refused"]);
    expect(points).toHaveLength(2);
  });

  it("marks sampled lines with their sample rate so counts can be scaled", () => {
    const low = recordingRuntime(0);
    recordDecision(low.rt, { ...settings, logSampleRate: 0.25 }, allowed);
    expect(low.lines).toEqual([expect.objectContaining({ outcome: "forwarded", sampleRate: 0.25 })]);
    const high = recordingRuntime(255);
    recordDecision(high.rt, { ...settings, logSampleRate: 0.25 }, allowed);
    expect(high.lines).toEqual([]);
  });

  it("logs every decision without a sampleRate field at the default rate of 1", () => {
    const { rt, lines } = recordingRuntime(255);
    recordDecision(rt, settings, allowed);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty("sampleRate");
  });
});
