import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fenceClientFor, type RevocationFenceClient } from "../../src/fence/fence-client.ts";
import type { FenceEvent } from "../../src/fence/fence-events.ts";
import { MAX_CHANGES_PER_READ } from "../../src/fence/revocation-fence.ts";

const NOW = 1_800_000_000;
const FINGERPRINT = "A".repeat(43);

/** A fence of its own per test: one Durable Object per issuer name. */
function fence(name: string): RevocationFenceClient {
  return fenceClientFor(env.REVOCATION_FENCE, `https://${name}.fence.test`)!;
}

function sub(value: string, expiresAt = NOW + 3600): FenceEvent {
  return { kind: "sub", value, createdAt: NOW, expiresAt };
}

describe("the RevocationFence Durable Object", () => {
  it("numbers events with a version that only grows, and answers only what came after a cursor", async () => {
    const f = fence("versions");
    const first = await f.record([sub("a"), sub("b")], NOW);
    expect(first).toMatchObject({ ok: true, version: 2 });
    const all = await f.changesSince(null, NOW);
    expect(all).toMatchObject({ version: 2, reset: true, complete: true });
    expect(all.events.map((e) => e.value)).toEqual(["a", "b"]);

    await f.record([sub("c")], NOW);
    const next = await f.changesSince({ epoch: all.epoch, version: all.version }, NOW);
    expect(next).toMatchObject({ version: 3, reset: false, complete: true });
    expect(next.events.map((e) => e.value)).toEqual(["c"]);
    expect((await f.changesSince({ epoch: all.epoch, version: 3 }, NOW)).events).toEqual([]);
  });

  it("replaces an earlier event for the same name, so a reader sees only the latest", async () => {
    const f = fence("replace");
    await f.record([sub("a", NOW + 60)], NOW);
    await f.record([sub("a", NOW + 7200)], NOW);
    const all = await f.changesSince(null, NOW);
    expect(all.events).toEqual([sub("a", NOW + 7200)]);
    expect(all.version).toBe(2);
  });

  it("keeps a lifted revocation as long as the revocation it lifts, so readers holding that one learn of it", async () => {
    const f = fence("lift");
    await f.record([sub("a", NOW + 7200)], NOW);
    await f.record([{ ...sub("a", NOW + 60), lifted: true }], NOW);
    expect((await f.changesSince(null, NOW)).events).toEqual([{ ...sub("a", NOW + 7200), lifted: true }]);
  });

  it("leaves expired events out of every answer and deletes them at the next write", async () => {
    const f = fence("expiry");
    await f.record(
      [sub("short", NOW + 10), { kind: "token", value: FINGERPRINT, createdAt: NOW, expiresAt: NOW + 100 }],
      NOW,
    );
    expect((await f.changesSince(null, NOW + 10)).events.map((e) => e.kind)).toEqual(["token"]);
    await f.record([sub("later")], NOW + 200);
    expect((await f.changesSince(null, NOW)).events.map((e) => e.value)).toEqual(["later"]);
  });

  it("answers at most MAX_CHANGES_PER_READ events per call, the rest at the next", async () => {
    const f = fence("paging");
    for (let batch = 0; batch < 11; batch++)
      await f.record(
        Array.from({ length: 100 }, (_, i) => sub(`s-${batch}-${i}`)),
        NOW,
      );
    const first = await f.changesSince(null, NOW);
    expect(first.events).toHaveLength(MAX_CHANGES_PER_READ);
    expect(first).toMatchObject({ complete: false, version: MAX_CHANGES_PER_READ });
    const rest = await f.changesSince({ epoch: first.epoch, version: first.version }, NOW);
    expect(rest).toMatchObject({ complete: true, version: 1100, reset: false });
    expect(rest.events).toHaveLength(100);
  });

  it("starts a reader of another storage generation (epoch) from scratch", async () => {
    const f = fence("epoch");
    await f.record([sub("a")], NOW);
    const answer = await f.changesSince({ epoch: "another-storage", version: 99 }, NOW);
    expect(answer.reset).toBe(true);
    expect(answer.events.map((e) => e.value)).toEqual(["a"]);
  });

  it("records nothing from a malformed batch, and says which event is wrong", async () => {
    const f = fence("malformed");
    const answer = await f.record([sub("ok"), { ...sub("x"), kind: "email" } as unknown as FenceEvent], NOW);
    expect(answer).toEqual({
      ok: false,
      problem: "events[1]: kind must be one of sub, sid, kid, ended-sid, ended-sub, token",
    });
    expect(
      await f.record([{ kind: "token", value: "not-a-hash", createdAt: NOW, expiresAt: NOW + 1 }], NOW),
    ).toMatchObject({ ok: false });
    expect(await f.record([], NOW)).toMatchObject({ ok: false });
    expect((await f.changesSince(null, NOW)).events).toEqual([]);
  });
});
