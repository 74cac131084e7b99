/**
 * The microbenchmark worker for the identity assertion (bench/assertion-cost.ts): each request
 * runs one operation `n` times and answers when done; the caller times requests from outside (the
 * clock inside workerd does not advance during computation) and subtracts a run with n = 0.
 */
import { importJWK, type JWK, SignJWT } from "jose";
import { ASSERTION_TYPE } from "../../src/assertion/assertion-signer.ts";
import { attachAssertion } from "../../src/assertion/attach-assertion.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { sealVerifiedIdentity } from "../../src/identity.ts";
import { createIsolateState, type IsolateState } from "../../src/isolate-state.ts";
import type { Runtime } from "../../src/platform.ts";
import { topLevelClaim } from "../../src/policy/claim-path.ts";

interface Env {
  readonly ES256_KEY: string;
  readonly EDDSA_KEY: string;
}

type Alg = "ES256" | "EdDSA";

const NOW_MS = Date.UTC(2026, 10, 22, 12);
const SITE = new URL("https://app.example.com/reports/q3");
const CLAIMS = {
  iss: "https://login.example.com",
  sub: "00u1a2b3c4d5e6f7g8h9",
  email: "ada.lovelace@example.com",
  name: "Ada Lovelace",
  groups: ["staff", "engineering", "finance-readonly"],
  exp: NOW_MS / 1000 + 3600,
};
const identity = sealVerifiedIdentity(
  { iss: CLAIMS.iss, sub: CLAIMS.sub, exp: CLAIMS.exp, all: CLAIMS },
  topLevelClaim("groups"),
);

const states = new Map<Alg, IsolateState>();
const joseKeys = new Map<Alg, CryptoKey>();

function stateFor(alg: Alg, env: Env): IsolateState {
  let state = states.get(alg);
  if (!state) {
    const loaded = loadConfig({
      OIDC_ISSUER: "https://login.example.com",
      OIDC_CLIENT_ID: "site",
      ORIGIN_URL: "https://origin.internal",
      AUTH_ROUTES: [{ pattern: "*" }],
      ASSERTION_SIGNING_KEY: alg === "ES256" ? env.ES256_KEY : env.EDDSA_KEY,
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.failure));
    state = createIsolateState(loaded.value);
    states.set(alg, state);
  }
  return state;
}

function runtimeAt(clock: { nowMs: number }): Runtime {
  return {
    now: () => clock.nowMs,
    fetch: () => Promise.reject(new Error("no network here")),
    randomBytes: (length) => new Uint8Array(length),
    log: () => {},
    kv: undefined as unknown as KVNamespace,
    waitUntil: () => {},
  };
}

/** Attaches the assertion as the gate does; `fresh` moves the clock past the reuse window each time. */
async function attach(alg: Alg, env: Env, n: number, fresh: boolean): Promise<void> {
  const state = stateFor(alg, env);
  const clock = { nowMs: NOW_MS };
  const rt = runtimeAt(clock);
  const headers = new Headers();
  await attachAssertion(headers, identity, state.config.defaultRoute, SITE, rt, state); // key imported, cache warm
  for (let i = 0; i < n; i++) {
    if (fresh) clock.nowMs += 31_000;
    const attached = await attachAssertion(headers, identity, state.config.defaultRoute, SITE, rt, state);
    if (!attached.ok) throw new Error(attached.failure);
  }
}

/** The same claims signed with jose's SignJWT and a pre-imported key, for comparison. */
async function signWithJose(alg: Alg, env: Env, n: number): Promise<void> {
  let key = joseKeys.get(alg);
  if (!key) {
    key = (await importJWK(
      JSON.parse(alg === "ES256" ? env.ES256_KEY : env.EDDSA_KEY) as JWK,
      alg,
    )) as CryptoKey;
    joseKeys.set(alg, key);
  }
  for (let i = 0; i < n; i++) {
    const now = Math.floor(NOW_MS / 1000) + i;
    await new SignJWT({
      email: identity.email,
      name: identity.name,
      groups: [...identity.groups],
      idp_iss: identity.issuer,
      route: "*",
    })
      .setProtectedHeader({ alg, kid: "bench", typ: ASSERTION_TYPE })
      .setIssuer(SITE.origin)
      .setAudience("https://origin.internal")
      .setSubject(identity.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const alg = (url.searchParams.get("alg") ?? "ES256") as Alg;
    const op = url.searchParams.get("op");
    if (op === "reuse") await attach(alg, env, n, false);
    else if (op === "sign") await attach(alg, env, n, true);
    else if (op === "jose") await signWithJose(alg, env, n);
    else if (op !== "none") return new Response("unknown op", { status: 400 });
    return new Response("done");
  },
};
