import { describe, expect, it } from "vitest";
import { parseTraceparent, traceContextFor, traceparentOf } from "../../src/observe/trace-context.ts";
import { Browser } from "../support/browser.ts";
import { ISSUER, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

// The example of W3C Trace Context §3.2.3.
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const INCOMING = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
const TRACEPARENT_SHAPE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Random bytes that count up, so every id drawn is different and known. */
function countingBytes() {
  let next = 1;
  return (length: number) => Uint8Array.from({ length }, () => next++ & 0xff);
}

function partsOf(traceparent: string | null) {
  const match = TRACEPARENT_SHAPE.exec(traceparent ?? "");
  if (!match) throw new Error(`not a version 00 traceparent: ${traceparent}`);
  return { traceId: match[1], parentId: match[2], flags: match[3] };
}

describe("reading an incoming traceparent (W3C Trace Context §3.2)", () => {
  it("accepts the version 00 example of §3.2.3 and keeps its trace id and flags", () => {
    expect(parseTraceparent(INCOMING)).toEqual({ traceId: TRACE_ID, flags: "01" });
  });

  it.each([
    ["an all-zero trace-id (§3.2.2.3)", `00-${"0".repeat(32)}-${CALLER_SPAN}-01`],
    ["an all-zero parent-id (§3.2.2.4)", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff (§3.2.2.1)", `ff-${TRACE_ID}-${CALLER_SPAN}-01`],
    ["uppercase hex (§3.2.2.2: lowercase only)", `00-${TRACE_ID.toUpperCase()}-${CALLER_SPAN}-01`],
    ["a short trace-id", `00-${TRACE_ID.slice(1)}-${CALLER_SPAN}-01`],
    ["version 00 with a trailing field (§3.2.4: exactly 55 characters)", `${INCOMING}-extra`],
    ["two traceparent headers joined by a comma", `${INCOMING}, ${INCOMING}`],
    ["garbage", "not a trace"],
  ])("refuses %s", (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("parses a later version on its first 55 characters (§3.2.4)", () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${CALLER_SPAN}-01-future`)).toEqual({
      traceId: TRACE_ID,
      flags: "01",
    });
  });
});

describe("the trace of a request (§3.4 mutating traceparent)", () => {
  it("continues a valid trace with a new parent-id for edge-auth's hop and keeps tracestate (§3.5)", () => {
    const trace = traceContextFor(
      new Headers({ traceparent: INCOMING, tracestate: "vendor=abc" }),
      countingBytes(),
    );
    expect(trace).toEqual({
      traceId: TRACE_ID,
      spanId: "0102030405060708",
      flags: "01",
      tracestate: "vendor=abc",
      continued: true,
    });
  });

  it("restarts an invalid trace and drops its tracestate with it (§4.3)", () => {
    const trace = traceContextFor(
      new Headers({ traceparent: `00-${"0".repeat(32)}-${CALLER_SPAN}-01`, tracestate: "vendor=abc" }),
      countingBytes(),
    );
    expect(trace.continued).toBe(false);
    expect(trace.tracestate).toBeUndefined();
    expect(trace.traceId).not.toBe("0".repeat(32));
    expect(traceparentOf(trace)).toMatch(TRACEPARENT_SHAPE);
  });

  it("never draws an all-zero id, even from a source of zero bytes (§3.2.2.3, §3.2.2.4)", () => {
    const trace = traceContextFor(new Headers(), (length) => new Uint8Array(length));
    expect(parseTraceparent(traceparentOf(trace))).toEqual({ traceId: trace.traceId, flags: "01" });
  });

  it("drops a tracestate longer than 512 characters (§3.3.1.5) or with control characters", () => {
    const long = traceContextFor(
      new Headers({ traceparent: INCOMING, tracestate: `v=${"a".repeat(600)}` }),
      countingBytes(),
    );
    expect(long.tracestate).toBeUndefined();
    const control = traceContextFor(
      new Headers({ traceparent: INCOMING, tracestate: "v=a\x01b" }),
      countingBytes(),
    );
    expect(control.tracestate).toBeUndefined();
  });
});

describe("propagating the trace through the gate", () => {
  it("sends the origin the caller's trace id with edge-auth's hop as the new parent-id", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch(
      "/reports",
      h.bearer(token, { traceparent: INCOMING, tracestate: "vendor=abc" }),
    );
    expect(res.status).toBe(200);
    const sent = h.originCalls[0]!.headers;
    const parts = partsOf(sent.get("traceparent"));
    expect(parts.traceId).toBe(TRACE_ID);
    expect(parts.parentId).not.toBe(CALLER_SPAN);
    expect(parts.flags).toBe("01");
    expect(sent.get("tracestate")).toBe("vendor=abc");
    const decision = h.events("decision")[0]!;
    expect(decision).toMatchObject({ outcome: "forwarded", trace_id: TRACE_ID, span_id: parts.parentId });
  });

  it("replaces an invalid incoming traceparent with a new trace and drops the tracestate", async () => {
    const h = await createHarness();
    const invalid = `00-${"0".repeat(32)}-${CALLER_SPAN}-01`;
    const res = await h.fetch("/public/page", {
      headers: { traceparent: invalid, tracestate: "vendor=abc" },
    });
    expect(res.status).toBe(200);
    const sent = h.originCalls[0]!.headers;
    const parts = partsOf(sent.get("traceparent"));
    expect(parts.traceId).not.toBe("0".repeat(32));
    expect(sent.get("tracestate")).toBeNull();
    expect(h.events("decision")[0]).toMatchObject({ outcome: "public", trace_id: parts.traceId });
  });

  it("starts a trace when the caller sent none, and gives each request its own", async () => {
    const h = await createHarness();
    await h.fetch("/public/a");
    await h.fetch("/public/b");
    const [first, second] = h.originCalls.map((call) => partsOf(call.headers.get("traceparent")));
    expect(first!.traceId).not.toBe(second!.traceId);
  });

  it("carries the trace to the provider's discovery and key fetches, and onto a refusal's decision line", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { aud: "someone-else" }));
    const res = await h.fetch("/private", h.bearer(token, { traceparent: INCOMING }));
    expect(res.status).toBe(401);
    const providerFetches = h.outboundRequests.filter((call) => call.url.startsWith(ISSUER));
    expect(providerFetches.length).toBeGreaterThanOrEqual(2);
    const decision = h.events("decision")[0]!;
    expect(decision).toMatchObject({ outcome: "refused", trace_id: TRACE_ID });
    for (const call of providerFetches) {
      const parts = partsOf(call.headers.get("traceparent"));
      expect(parts.traceId).toBe(TRACE_ID);
      expect(parts.parentId).toBe(decision.span_id);
    }
  });

  it("carries the sign-in callback's trace to the token endpoint, the same as its decision line", async () => {
    const h = await createHarness();
    const seen: (string | null)[] = [];
    h.provider.tokenResponder = (request) => {
      seen.push(request.headers.get("traceparent"));
      return undefined;
    };
    const browser = new Browser(h);
    const callback = await browser.signIn("/reports");
    expect(callback.status).toBe(303);
    expect(seen).toHaveLength(1);
    const completed = h.logs.find((line) => line.outcome === "login_completed")!;
    expect(partsOf(seen[0]!).traceId).toBe(completed.trace_id);
  });
});
