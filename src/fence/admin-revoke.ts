import { sameSecret } from "../crypto/same-secret.ts";
import { withDeadline } from "../deadline.ts";
import { readBearer } from "../http/bearer.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { NO_STORE } from "../respond/no-store.ts";
import { REVOCATION_TYPES, type RevocationType } from "../revocation/revocation-document.ts";
import { type FenceEvent, fenceEventProblem } from "./fence-events.ts";

/** A revocation request's body is small: one entry. */
const MAX_BODY_BYTES = 4096;

/**
 * POST /auth/revoke: records one revocation (or lifts one) in the revocation fence, so every isolate
 * refuses it within REVOCATION_FENCE_INTERVAL_MS. Only for the holder of REVOCATION_ADMIN_TOKEN
 * (`Authorization: Bearer`); `npm run revoke` calls it after writing KV's document. The body:
 *
 *   { "type": "sub" | "sid" | "kid", "value": "…", "expiresAt": <seconds>, "issuedBefore"?: <seconds> }
 *   { "type": "sub" | "sid" | "kid", "value": "…", "lift": true }
 *
 * Answers 200 `{ "recorded": true, "version": n }`, 400 `invalid_request`, 401 `invalid_token` (also
 * when no REVOCATION_ADMIN_TOKEN is configured), 503 `fence_unavailable` (not bound, or failing).
 */
export async function adminRevoke(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const { config } = state;
  const credential = readBearer(request.headers);
  const expected = config.revocation.adminSecretToken;
  if (
    credential.kind !== "bearer" ||
    expected === undefined ||
    !(await sameSecret(credential.token, expected))
  )
    return answer(401, { error: "invalid_token" }, { "www-authenticate": `Bearer realm="${config.realm}"` });

  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES)
    return invalid(`the body must be at most ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid("the body must be JSON");
  }
  const nowSeconds = Math.floor(rt.now() / 1000);
  const event = toFenceEvent(body, nowSeconds, config.maxTokenLifetimeSeconds);
  if (typeof event === "string") return invalid(event);

  const fence = rt.fence;
  if (!fence)
    return answer(503, { error: "fence_unavailable", error_description: "REVOCATION_FENCE is not bound" });
  const written = await withDeadline(() => fence.record([event], nowSeconds), config.kvTimeoutMs);
  if ("problem" in written || !written.value.ok) {
    const problem = "problem" in written ? written.problem : written.value.ok ? "" : written.value.problem;
    rt.log({ event: "fence_record_failed", issuer: config.issuer, events: 1, problem });
    return answer(503, { error: "fence_unavailable" });
  }
  rt.log({
    event: "fence_revocation_recorded",
    issuer: config.issuer,
    type: event.kind,
    lifted: event.lifted === true,
    version: written.value.version,
  });
  return answer(200, { recorded: true, version: written.value.version });
}

/** The fence event a request body asks for, or why it cannot be one. */
function toFenceEvent(
  body: unknown,
  nowSeconds: number,
  maxTokenLifetimeSeconds: number,
): FenceEvent | string {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return "the body must be a JSON object";
  const { type, value, expiresAt, issuedBefore, lift } = body as Record<string, unknown>;
  if (!REVOCATION_TYPES.includes(type as RevocationType)) return 'type must be "sub", "sid" or "kid"';
  const kind = type as RevocationType;
  if (lift !== undefined && lift !== true) return "lift must be true when present";
  const event =
    lift === true
      ? // A lift lives as long as any revocation it may override (the fence keeps the longer).
        { kind, value, createdAt: nowSeconds, expiresAt: nowSeconds + maxTokenLifetimeSeconds, lifted: true }
      : {
          kind,
          value,
          createdAt: nowSeconds,
          expiresAt,
          ...(issuedBefore === undefined ? {} : { issuedBefore }),
        };
  const problem = fenceEventProblem(event);
  if (problem !== undefined) return problem;
  if (lift !== true && (expiresAt as number) <= nowSeconds) return "expiresAt must be in the future";
  return event as FenceEvent;
}

function invalid(description: string): Response {
  return answer(400, { error: "invalid_request", error_description: description });
}

function answer(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "cache-control": NO_STORE, "content-type": "application/json; charset=utf-8", ...headers },
  });
}
