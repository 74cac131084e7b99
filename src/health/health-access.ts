import { sameSecret } from "../crypto/same-secret.ts";
import { readBearer } from "../http/bearer.ts";

/**
 * Who sees what of `/auth/health`: everyone the status alone; the holder of HEALTH_TOKEN (as
 * `Authorization: Bearer <token>`) the whole document. A bearer token that is not HEALTH_TOKEN (or any,
 * when none is configured) is refused rather than quietly answered with less.
 */
export type HealthAccess =
  | { readonly view: "status" }
  | { readonly view: "detail" }
  | {
      readonly view: "refused";
      readonly status: 400 | 401;
      readonly error: "invalid_request" | "invalid_token";
    };

export async function healthAccessFor(
  headers: Headers,
  secretToken: string | undefined,
): Promise<HealthAccess> {
  const credential = readBearer(headers);
  if (credential.kind === "none") return { view: "status" };
  if (credential.kind === "malformed") return { view: "refused", status: 400, error: "invalid_request" };
  if (secretToken !== undefined && (await sameSecret(credential.token, secretToken)))
    return { view: "detail" };
  return { view: "refused", status: 401, error: "invalid_token" };
}
