import { describe, expect, it } from "vitest";
import { compileRevocations, findRevocation } from "../../src/revocation/check-revocation.ts";
import {
  addRevocation,
  emptyRevocationDocument,
  parseDuration,
  parseRevocationDocument,
  type RevocationEntry,
  removeRevocation,
  revocationKey,
} from "../../src/revocation/revocation-document.ts";

const ISSUER = "https://issuer.test";
const NOW = 1_800_000_000;

function entry(overrides: Partial<RevocationEntry> = {}): RevocationEntry {
  return { type: "sub", value: "alice", createdAt: NOW, expiresAt: NOW + 3600, ...overrides };
}

describe("the revocation document", () => {
  it("is keyed per issuer, because sub, sid and kid are only unique within one", () => {
    expect(revocationKey(ISSUER)).toBe("revocations:https://issuer.test");
  });

  it("reads a missing document as empty and refuses one that is not a document or names another issuer", () => {
    expect(parseRevocationDocument(null, ISSUER, NOW)).toEqual({
      ok: true,
      value: { document: emptyRevocationDocument(ISSUER, NOW), skipped: 0 },
    });
    expect(parseRevocationDocument("{", ISSUER, NOW)).toEqual({ ok: false, failure: "not JSON" });
    expect(parseRevocationDocument('{"entries":[]}', ISSUER, NOW)).toEqual({
      ok: false,
      failure: "not a version 1 revocation document",
    });
    const other = JSON.stringify({ ...emptyRevocationDocument("https://other.test", NOW) });
    expect(parseRevocationDocument(other, ISSUER, NOW)).toEqual({
      ok: false,
      failure: "names another issuer",
    });
  });

  it("skips malformed entries and counts them, keeping the rest", () => {
    const text = JSON.stringify({
      version: 1,
      issuer: ISSUER,
      updatedAt: NOW,
      entries: [
        entry(),
        { type: "email", value: "x", createdAt: NOW, expiresAt: NOW + 1 },
        { type: "sid", value: "" },
      ],
    });
    const parsed = parseRevocationDocument(text, ISSUER, NOW);
    expect(parsed.ok && parsed.value.skipped).toBe(2);
    expect(parsed.ok && parsed.value.document.entries).toEqual([entry()]);
  });

  it("adds an entry, replacing one for the same subject and pruning expired ones", () => {
    const start = emptyRevocationDocument(ISSUER, NOW - 100);
    const withOld = addRevocation(start, entry({ value: "bob", expiresAt: NOW - 1 }), NOW - 100);
    if (!withOld.ok) throw new Error(withOld.failure);
    const once = addRevocation(withOld.value, entry(), NOW);
    if (!once.ok) throw new Error(once.failure);
    const twice = addRevocation(once.value, entry({ expiresAt: NOW + 7200, reason: "INC-42" }), NOW);
    expect(twice.ok && twice.value).toEqual({
      version: 1,
      issuer: ISSUER,
      updatedAt: NOW,
      entries: [entry({ expiresAt: NOW + 7200, reason: "INC-42" })],
    });
  });

  it("refuses an entry it could not read back", () => {
    const doc = emptyRevocationDocument(ISSUER, NOW);
    expect(addRevocation(doc, entry({ value: "" }), NOW).ok).toBe(false);
    expect(addRevocation(doc, entry({ value: "x".repeat(256) }), NOW).ok).toBe(false);
    expect(addRevocation(doc, { ...entry(), type: "email" as "sub" }, NOW).ok).toBe(false);
  });

  it("removes an entry by type and value", () => {
    const added = addRevocation(emptyRevocationDocument(ISSUER, NOW), entry(), NOW);
    if (!added.ok) throw new Error(added.failure);
    expect(removeRevocation(added.value, "sub", "alice", NOW).entries).toEqual([]);
    expect(removeRevocation(added.value, "sid", "alice", NOW).entries).toEqual([entry()]);
  });

  it("reads durations in seconds, minutes, hours and days", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("1h")).toBe(3600);
    expect(parseDuration("7d")).toBe(604_800);
    expect(parseDuration("1w")).toBeUndefined();
    expect(parseDuration("-1h")).toBeUndefined();
  });
});

describe("finding a revocation", () => {
  const list = compileRevocations(
    {
      version: 1,
      issuer: ISSUER,
      updatedAt: NOW,
      entries: [
        entry(),
        entry({ type: "sid", value: "session-9" }),
        entry({ type: "kid", value: "old-key" }),
        entry({ type: "sub", value: "bob", issuedBefore: NOW }),
        entry({ type: "sub", value: "carol", expiresAt: NOW - 1 }),
      ],
    },
    0,
  );

  it("matches a revoked subject, session or key", () => {
    expect(findRevocation(list, { sub: "alice" }, NOW)?.type).toBe("sub");
    expect(findRevocation(list, { sub: "dave", sid: "session-9" }, NOW)?.type).toBe("sid");
    expect(findRevocation(list, { sub: "dave", kid: "old-key" }, NOW)?.type).toBe("kid");
    expect(findRevocation(list, { sub: "dave", sid: "session-1", kid: "new-key" }, NOW)).toBeUndefined();
  });

  it("ignores an expired entry", () => {
    expect(findRevocation(list, { sub: "carol" }, NOW)).toBeUndefined();
  });

  it("with issuedBefore refuses only what was issued before the revocation", () => {
    expect(findRevocation(list, { sub: "bob", issuedAt: NOW - 10 }, NOW)?.value).toBe("bob");
    expect(findRevocation(list, { sub: "bob", issuedAt: NOW }, NOW)).toBeUndefined();
  });

  it("does not confuse types: a sub named like a revoked sid passes", () => {
    expect(findRevocation(list, { sub: "session-9" }, NOW)).toBeUndefined();
  });
});
