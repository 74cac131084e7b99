/**
 * The microbenchmark worker for bench/primitives.ts: each request runs one Workers runtime operation
 * `n` times — the operations every gated request needs (copying and editing headers, building the
 * outgoing Request and the private Response, the decision log line, random ids) — and answers when
 * done. The caller times requests from outside and subtracts a run with n = 0.
 */

const LINE = {
  event: "decision",
  requestId: "8f0e3c1a2b3c4d5e-AMS",
  route: "/api/*",
  outcome: "forwarded",
  status: 200,
  credential: "bearer",
  issuer: "https://login.example.com",
  kid: "2026-11-key",
  tier: "memory",
  sub: "00u1a2b3c4d5e6f7g8h9",
  email: "***@example.com",
  issuerName: "login",
  tokenType: "id_token",
  authMs: 0,
  durationMs: 1,
  trace_id: "0af7651916cd43dd8448eb211c80319c",
  span_id: "b7ad6b7169203331",
};

/** Holds the last object made, so the optimiser cannot drop its construction. */
let kept: unknown;
function keep(value: unknown): number {
  kept = value;
  return kept === undefined ? 0 : 1;
}

const OPERATIONS: Record<string, (request: Request) => number> = {
  none: () => 0,
  "new URL(request.url)": (request) => new URL(request.url).pathname.length,
  "new Headers(request.headers)": (request) => keep(new Headers(request.headers)),
  "iterate the header names": (request) => {
    let length = 0;
    for (const name of request.headers.keys()) length += name.length;
    return length;
  },
  "request.cf": (request) => keep(request.cf),
  "headers.get (one name)": (request) => (request.headers.get("authorization") ?? "").length,
  "headers.set (one name)": () => {
    const headers = new Headers();
    headers.set("x-auth-request-user", "00u1a2b3c4d5e6f7g8h9");
    return 1;
  },
  "new Headers() alone": () => keep(new Headers()),
  "new Request(url, { headers })": (request) =>
    new Request("https://origin.example/api/data", {
      method: "GET",
      headers: request.headers,
      redirect: "manual",
    }).method.length,
  "new Request(url) without headers": () =>
    new Request("https://origin.example/api/data", { method: "GET", redirect: "manual" }).method.length,
  "new Response(body, init)": () =>
    new Response("ok\n", { headers: { "content-type": "text/plain", "cache-control": "max-age=60" } }).status,
  "new Response(body, init) + copy": () => {
    const origin = new Response("ok\n", {
      headers: { "content-type": "text/plain", "cache-control": "max-age=60" },
    });
    return new Response(origin.body, origin).status;
  },
  "JSON.stringify(decision line)": () => JSON.stringify(LINE).length,
  "console.log(decision line)": () => {
    console.log(JSON.stringify(LINE));
    return 1;
  },
  "crypto.getRandomValues(24 bytes)": () => crypto.getRandomValues(new Uint8Array(24))[0] as number,
  "crypto.randomUUID()": () => crypto.randomUUID().length,
};

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    const operation = OPERATIONS[url.searchParams.get("op") ?? ""];
    const n = Number(url.searchParams.get("n"));
    if (!operation || !Number.isInteger(n)) return new Response("unknown operation", { status: 400 });
    let sink = 0;
    for (let i = 0; i < n; i++) sink += operation(request);
    return new Response(String(sink));
  },
};

export const OPERATION_NAMES = Object.keys(OPERATIONS).filter((name) => name !== "none");
