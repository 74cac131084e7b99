import { afterEach, describe, expect, it, vi } from "vitest";
import { makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const EMAIL = "ada.lovelace@example.com";
const SESSION_COOKIE = "__Host-edge-auth=s.4f9Qw7Zk2LmN8pRtV3xY6bC1dE5gH0jK";

/** Every line the worker logged, through the platform seam and any stray console call. */
function capturedText(h: Harness, consoleCalls: unknown[][]): string {
  const consoleText = consoleCalls.map((args) => args.map((arg) => String(arg)).join(" "));
  return [...h.logs.map((line) => JSON.stringify(line)), ...consoleText].join("\n");
}

function secretsOf(token: string): string[] {
  return [token, ...token.split(".")];
}

describe("decision logs never carry a token, a cookie or an email", () => {
  const consoleCalls: unknown[][] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    consoleCalls.length = 0;
  });
  const spyOnConsole = () => {
    for (const method of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleCalls.push(args);
      });
  };

  it("leaves no token, segment, cookie value or email in any log line or data point across real flows", async () => {
    spyOnConsole();
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "/admin/*", allow: { groups: ["admins"] } }, { pattern: "*" }] },
    });
    const key = h.issuer.keys[0]!;
    const stranger = await makeSigningKey("RS256", "rsa-1");
    const now = h.nowSeconds();
    const tokens = {
      valid: await signToken(key, validClaims(now, { email: EMAIL })),
      emailAsSub: await signToken(key, validClaims(now, { sub: EMAIL, email: EMAIL })),
      expired: await signToken(key, validClaims(now - 3600, { email: EMAIL })),
      wrongAudience: await signToken(key, validClaims(now, { aud: "other-client", email: EMAIL })),
      forgedSignature: await signToken(stranger, validClaims(now, { email: EMAIL })),
      unknownKid: await signToken(key, validClaims(now, { email: EMAIL }), { kid: "no-such-key" }),
    };
    const cookie = { cookie: SESSION_COOKIE };

    expect((await h.fetch("/private", h.bearer(tokens.valid, cookie))).status).toBe(200);
    expect((await h.fetch("/private", h.bearer(tokens.emailAsSub, cookie))).status).toBe(200);
    expect((await h.fetch("/admin/x", h.bearer(tokens.valid, cookie))).status).toBe(403);
    expect((await h.fetch("/private", h.bearer(tokens.expired, cookie))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(tokens.wrongAudience))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(tokens.forgedSignature))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(tokens.unknownKid))).status).toBe(401);
    // Malformed credentials: a token with a space in it, a token in the wrong scheme, a token in the query.
    const broken = `${tokens.valid.slice(0, 40)} ${tokens.valid.slice(40)}`;
    expect((await h.fetch("/private", { headers: { authorization: `Bearer ${broken}` } })).status).toBe(400);
    expect(
      (await h.fetch("/private", { headers: { authorization: `Basic ${tokens.valid}`, ...cookie } })).status,
    ).toBe(401);
    expect((await h.fetch(`/private?id_token=${tokens.valid}`, { headers: cookie })).status).toBe(401);
    expect((await h.fetch("/public/page", h.bearer(tokens.valid, cookie))).status).toBe(200);

    const decisions = h.logs.filter((line) => line.event === "decision");
    expect(decisions).toHaveLength(11);
    const text = capturedText(h, consoleCalls);
    const points = JSON.stringify(h.metrics!.points);
    const cookieValue = SESSION_COOKIE.split("=")[1]!;
    for (const secret of [...Object.values(tokens).flatMap(secretsOf), cookieValue, SESSION_COOKIE, EMAIL]) {
      expect(text).not.toContain(secret);
      expect(points).not.toContain(secret);
    }
    expect(text).not.toMatch(/ada\.lovelace/i);
    // What the lines do say about the caller: the subject and the email's domain.
    expect(decisions[0]).toMatchObject({ outcome: "forwarded", sub: "user-123", email: "***@example.com" });
    expect(decisions[1]).toMatchObject({ outcome: "forwarded", sub: "***@example.com" });
  });

  it("logs the full email only when LOG_EMAILS is on, and still never the token", async () => {
    const h = await createHarness({ vars: { LOG_EMAILS: "true" } });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { email: EMAIL }));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    const text = h.logs.map((line) => JSON.stringify(line)).join("\n");
    expect(h.logs.find((line) => line.event === "decision")).toMatchObject({ email: EMAIL });
    for (const secret of secretsOf(token)) expect(text).not.toContain(secret);
  });
});
