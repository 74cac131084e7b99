import { canonicalHeaderName } from "./header-name.ts";
import { isReservedIdentityName, type ReservedHeaderNames } from "./identity-headers.ts";
import { isFoldedClientRoutingHeader } from "./routing-headers.ts";

/**
 * Removes, in one pass over the header names, every header a client may not send the origin: those
 * that could pass for an identity header (identity-headers.ts) and the routing headers an origin would
 * trust over the request itself (routing-headers.ts). Names are compared as a lenient origin reads
 * them: any case, `_` for `-`. Runs on every route, public ones too.
 */
export function stripClientHeaders(headers: Headers, reserved: ReservedHeaderNames): void {
  const doomed: string[] = [];
  for (const name of headers.keys()) {
    const folded = canonicalHeaderName(name);
    if (isReservedIdentityName(folded, reserved) || isFoldedClientRoutingHeader(folded)) doomed.push(name);
  }
  for (const name of doomed) headers.delete(name);
}
