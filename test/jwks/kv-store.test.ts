import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type DocumentRecord,
  documentKey,
  KV_RECORD_VERSION,
  readDocumentRecord,
  readKidRefreshRecord,
  writeDocumentRecord,
  writeRecord,
} from "../../src/jwks/kv-store.ts";
import { ISSUER } from "../support/fake-issuer.ts";
import { createKeyCacheRig } from "../support/key-cache-rig.ts";
import { countingKv, failingKv } from "../support/kv.ts";

function record(fetchedAt: number, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  return {
    version: KV_RECORD_VERSION,
    kind: "jwks",
    issuer: ISSUER,
    fetchedAt,
    maxAgeSeconds: 600,
    body: { keys: [] },
    ...overrides,
  };
}

describe("typed, versioned KV records", () => {
  it("names keys by version, kind and issuer", () => {
    expect(documentKey("jwks", ISSUER)).toBe("v1:jwks:https://issuer.test");
    expect(documentKey("discovery", ISSUER)).toBe("v1:discovery:https://issuer.test");
  });

  it("reads back what it wrote, with an expirationTtl of max-age + max-stale", async () => {
    const { kv, counts } = countingKv(workerEnv.AUTH_KV);
    const { rt, clock } = await createKeyCacheRig({ kv });
    await writeDocumentRecord(rt, record(clock.nowMs), 3600, 1000);
    expect(await readDocumentRecord(rt, "jwks", ISSUER, 1000)).toEqual(record(clock.nowMs));
    expect(counts.puts).toEqual([{ key: "v1:jwks:https://issuer.test", expirationTtl: 4200 }]);
  });

  it("never asks KV for an expirationTtl under 60 s", async () => {
    const { kv, counts } = countingKv(workerEnv.AUTH_KV);
    const { rt, clock } = await createKeyCacheRig({ kv });
    await writeRecord(
      rt,
      "v1:kid-refresh:x",
      { version: 1, kind: "kid-refresh", issuer: "x", at: clock.nowMs, kids: [] },
      1,
      1000,
    );
    await writeDocumentRecord(rt, record(clock.nowMs, { maxAgeSeconds: 0 }), 0, 1000);
    expect(counts.puts.map((put) => put.expirationTtl)).toEqual([60, 60]);
  });

  it("does not replace a newer record with an older one (a refresh that finishes late)", async () => {
    const { rt, clock } = await createKeyCacheRig();
    await writeDocumentRecord(rt, record(clock.nowMs, { body: { keys: [], newer: true } }), 0, 1000);
    await writeDocumentRecord(rt, record(clock.nowMs - 1000), 0, 1000);
    expect((await readDocumentRecord(rt, "jwks", ISSUER, 1000))?.body).toEqual({ keys: [], newer: true });
  });

  it.each([
    ["a record that is not JSON", "{"],
    ["a JSON array", "[]"],
    ["version 2", JSON.stringify({ ...record(1), version: 2 })],
    ["another kind", JSON.stringify({ ...record(1), kind: "discovery" })],
    ["another issuer", JSON.stringify({ ...record(1), issuer: "https://other.test" })],
    ["a fetchedAt that is not a number", JSON.stringify({ ...record(1), fetchedAt: "yesterday" })],
    ["a negative maxAgeSeconds", JSON.stringify({ ...record(1), maxAgeSeconds: -1 })],
    ["no body", JSON.stringify({ ...record(1), body: null })],
  ])("treats %s as a miss and logs it", async (_, value) => {
    const { rt, events } = await createKeyCacheRig();
    await workerEnv.AUTH_KV.put(documentKey("jwks", ISSUER), value);
    expect(await readDocumentRecord(rt, "jwks", ISSUER, 1000)).toBeUndefined();
    expect(events("kv_record_ignored")).toHaveLength(1);
  });

  it("treats a record dated more than a minute ahead of the clock as a miss", async () => {
    const { rt, clock } = await createKeyCacheRig();
    await workerEnv.AUTH_KV.put(documentKey("jwks", ISSUER), JSON.stringify(record(clock.nowMs + 61_000)));
    expect(await readDocumentRecord(rt, "jwks", ISSUER, 1000)).toBeUndefined();
    await workerEnv.AUTH_KV.put(documentKey("jwks", ISSUER), JSON.stringify(record(clock.nowMs + 59_000)));
    expect(await readDocumentRecord(rt, "jwks", ISSUER, 1000)).toBeDefined();
  });

  it("turns a KV outage into a miss on read and a logged no-op on write, never a throw", async () => {
    const { rt, clock, events } = await createKeyCacheRig({ kv: failingKv() });
    expect(await readDocumentRecord(rt, "jwks", ISSUER, 1000)).toBeUndefined();
    expect(await readKidRefreshRecord(rt, ISSUER, 1000)).toBeUndefined();
    await writeDocumentRecord(rt, record(clock.nowMs), 0, 1000);
    expect(events("kv_error").map((line) => line.operation)).toEqual(["get", "get", "get", "put"]);
  });
});
