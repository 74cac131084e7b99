/**
 * W3C Trace Context (Level 1, https://www.w3.org/TR/trace-context/): the `traceparent` and
 * `tracestate` headers that let one sign-in or one refused request be followed across the client,
 * edge-auth, the provider and the origin.
 */

/** The trace a request belongs to, and the id of edge-auth's own hop (span) in it. */
export interface TraceContext {
  /** 32 lowercase hex digits, never all zeros (§3.2.2.3). */
  readonly traceId: string;
  /** edge-auth's hop: sent as the `parent-id` of every request it makes (§3.2.2.4, §3.4). */
  readonly spanId: string;
  /** Two hex digits (§3.2.2.5): the caller's flags when the trace is continued. */
  readonly flags: string;
  /** The caller's `tracestate`, passed on unchanged with a continued trace (§3.3, §3.5). */
  readonly tracestate?: string;
  /** Whether the caller's `traceparent` was valid and its trace is continued. */
  readonly continued: boolean;
}

/** The header names, lowercase (§3.2.1, §3.3.1). */
export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";

/**
 * A trace started here is marked sampled (§3.2.2.5.1): edge-auth is its head, and an origin whose
 * tracer follows its parent's decision keeps recording what it recorded before the header existed.
 */
const STARTED_TRACE_FLAGS = "01";
/** §3.3.1.5: a vendor should propagate at least 512 characters; a longer state is dropped whole. */
const MAX_TRACESTATE_LENGTH = 512;
/** Version 00 (§3.2.2.2): `00-<trace-id>-<parent-id>-<trace-flags>`, lowercase hex only. */
const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** A later version (§3.2.4): parsed as 00 on its first 55 characters, followed by `-` or nothing. */
const LATER_VERSION = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;
/** Printable ASCII only: a state with control characters is not a list of §3.3.1 members. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * The trace of an incoming request: the caller's trace continued when its `traceparent` is valid
 * (§3.2), with a new span id for edge-auth's hop (§3.4 "update parent-id"); otherwise a new trace
 * (§3.4 "restart trace"), whose `tracestate` is dropped with the invalid parent (§4.3). Random ids
 * come from the platform's random bytes.
 */
export function traceContextFor(headers: Headers, randomBytes: (length: number) => Uint8Array): TraceContext {
  const incoming = parseTraceparent(headers.get(TRACEPARENT));
  if (!incoming) {
    // One draw for both ids: the span's 8 bytes, then the trace's 16.
    const bytes = randomBytes(24);
    return {
      traceId: hexOf(bytes, 8, 24),
      spanId: hexOf(bytes, 0, 8),
      flags: STARTED_TRACE_FLAGS,
      continued: false,
    };
  }
  const spanId = randomNonZeroHex(8, randomBytes);
  const tracestate = headers.get(TRACESTATE);
  const keepState =
    tracestate !== null &&
    tracestate !== "" &&
    tracestate.length <= MAX_TRACESTATE_LENGTH &&
    PRINTABLE.test(tracestate);
  return {
    traceId: incoming.traceId,
    spanId,
    flags: incoming.flags,
    ...(keepState ? { tracestate } : {}),
    continued: true,
  };
}

/** A new trace for work no request started (the cron trigger). */
export function startTrace(randomBytes: (length: number) => Uint8Array, spanId?: string): TraceContext {
  return {
    traceId: randomNonZeroHex(16, randomBytes),
    spanId: spanId ?? randomNonZeroHex(8, randomBytes),
    flags: STARTED_TRACE_FLAGS,
    continued: false,
  };
}

/** The `traceparent` edge-auth sends: version 00, the trace's id and edge-auth's hop as parent. */
export function traceparentOf(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** Replaces whatever trace headers a request carries with the trace's own. */
export function setTraceHeaders(headers: Headers, trace: TraceContext): void {
  headers.set(TRACEPARENT, traceparentOf(trace));
  if (trace.tracestate === undefined) headers.delete(TRACESTATE);
  else headers.set(TRACESTATE, trace.tracestate);
}

/** The ids of a valid `traceparent` (§3.2.2), or undefined for an absent or invalid one. */
export function parseTraceparent(value: string | null): { traceId: string; flags: string } | undefined {
  if (value === null) return undefined;
  const v00 = VERSION_00.exec(value);
  let traceId: string | undefined;
  let parentId: string | undefined;
  let flags: string | undefined;
  if (v00) [, traceId, parentId, flags] = v00;
  else {
    // Version ff is invalid (§3.2.2.1); 00 must be exactly 55 characters (§3.2.4).
    const later = LATER_VERSION.exec(value);
    if (!later || later[1] === "ff" || later[1] === "00") return undefined;
    [, , traceId, parentId, flags] = later;
  }
  if (traceId === undefined || parentId === undefined || flags === undefined) return undefined;
  // All-zero ids are invalid (§3.2.2.3, §3.2.2.4).
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(parentId)) return undefined;
  return { traceId, flags };
}

/** Two lowercase hex digits for every byte value, made once. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let hex = "";
  let any = 0;
  for (let index = start; index < end; index++) {
    const byte = bytes[index] as number;
    any |= byte;
    hex += HEX_BYTES[byte];
  }
  // An all-zero id is invalid (§3.2.2.3/4); the odds are 2^-64 or less, but a fake source can do it.
  return any === 0 ? `${hex.slice(0, -1)}1` : hex;
}

function randomNonZeroHex(byteLength: number, randomBytes: (length: number) => Uint8Array): string {
  return hexOf(randomBytes(byteLength), 0, byteLength);
}

/**
 * The request with the trace's headers, for a fetch through the platform (provider documents, the
 * token and userinfo endpoints, the origin). A request that already carries them is returned as is.
 */
export function withTraceHeaders(request: Request, trace: TraceContext): Request {
  const traceparent = traceparentOf(trace);
  if (
    request.headers.get(TRACEPARENT) === traceparent &&
    request.headers.get(TRACESTATE) === (trace.tracestate ?? null)
  )
    return request;
  const headers = new Headers(request.headers);
  setTraceHeaders(headers, trace);
  return new Request(request, { headers });
}
