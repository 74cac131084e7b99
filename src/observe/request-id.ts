/**
 * The id a decision is logged under: Cloudflare's `cf-ray` (so a log line can be matched to the
 * dashboard's request), or a random UUID when there is none (local development, tests).
 */
export function requestIdOf(request: Request): string {
  return request.headers.get("cf-ray") ?? crypto.randomUUID();
}
