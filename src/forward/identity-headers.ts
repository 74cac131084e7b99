import { ASSERTION_HEADER } from "../assertion/assertion-config.ts";
import type { GateConfig } from "../config/config.ts";
import type { VerifiedIdentity } from "../identity.ts";
import { canonicalHeaderName as canonical } from "./header-name.ts";

/*
 * Every header the client sent that could pass for an identity header is removed before the origin
 * (client-headers.ts): any name starting with the identity prefix, compared case-insensitively and
 * with `_` read as `-` (some origins fold them), plus the configured identity and token header names
 * and `X-Auth-Assertion` (whatever the prefix). On every route, public ones too.
 */

/** Whether a folded header name (`canonicalHeaderName`) is one only edge-auth may send the origin. */
export function isReservedIdentityName(folded: string, reserved: ReservedHeaderNames): boolean {
  return folded.startsWith(reserved.prefix) || reserved.exact.has(folded);
}

/** The header names a client may not send, folded as `stripIdentityHeaders` compares them. */
export interface ReservedHeaderNames {
  readonly prefix: string;
  readonly exact: ReadonlySet<string>;
}

/** Works out the reserved names of a configuration: once per configuration (IsolateState), not per request. */
export function reservedHeaderNames(
  config: Pick<GateConfig, "identityHeaderPrefix" | "identityHeaders" | "forwardTokenHeader">,
): ReservedHeaderNames {
  return {
    prefix: canonical(config.identityHeaderPrefix),
    exact: new Set(
      [...Object.values(config.identityHeaders), config.forwardTokenHeader ?? "", ASSERTION_HEADER].map(
        canonical,
      ),
    ),
  };
}

/** Sets the identity headers for the origin from a verified identity only. */
export function injectIdentityHeaders(
  headers: Headers,
  identity: VerifiedIdentity,
  config: GateConfig,
  token?: string,
): void {
  const names = config.identityHeaders;
  headers.set(names.sub, encodeHeaderValue(identity.sub));
  headers.set(names.issuer, encodeHeaderValue(identity.issuer));
  if (identity.email !== undefined) headers.set(names.email, encodeHeaderValue(identity.email));
  if (identity.name !== undefined) headers.set(names.name, encodeHeaderValue(identity.name));
  if (identity.groups.length > 0) headers.set(names.groups, groupsHeaderValue(identity.groups));
  if (token !== undefined && config.forwardTokenHeader !== undefined)
    headers.set(config.forwardTokenHeader, token);
}

/** The groups as one header value: comma-separated, a comma inside a group percent-encoded. */
export function groupsHeaderValue(groups: readonly string[]): string {
  // Most lists are plain (Entra ID and Keycloak tokens carry a hundred or more groups): one join, one
  // test of the whole value, and one pass over its commas (found by native indexOf).
  const joined = groups.join(",");
  if (PLAIN_HEADER_VALUE.test(joined) && separatesGroupsOnly(joined, groups.length)) return joined;
  let value = "";
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index] as string;
    // Most groups are plain: one regular-expression test each, no per-character work.
    const encoded = PLAIN_LIST_ITEM.test(group) ? group : encodeHeaderValue(group, ",");
    value = index === 0 ? encoded : `${value},${encoded}`;
  }
  return value;
}

/**
 * Makes any claim safe as a header value: printable ASCII passes as is; `%`, control characters
 * (CR, LF, NUL…), non-ASCII (as UTF-8) and the extra characters given are percent-encoded, so a
 * claim can never split a header or make the runtime throw. Decode with `decodeURIComponent`.
 */
export function encodeHeaderValue(value: string, extra = ""): string {
  if (PLAIN_HEADER_VALUE.test(value) && !containsAny(value, extra)) return value;
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (code >= 0x20 && code <= 0x7e && char !== "%" && !extra.includes(char)) out += char;
    else if (code >= 0xd800 && code <= 0xdfff)
      out += "%EF%BF%BD"; // a lone surrogate: U+FFFD
    else
      out += encodeURIComponent(char).replace(
        /[!'()*~]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
  }
  // Leading/trailing spaces would be trimmed by HTTP; keep them visible.
  return out.replace(/^ +| +$/g, (spaces) => "%20".repeat(spaces.length));
}

/** Printable ASCII without "%" and without a leading or trailing space: such a value passes as is. */
const PLAIN_HEADER_VALUE = /^(?:[\x21-\x24\x26-\x7e](?:[\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?)?$/;

/** A plain header value (as above) without a comma: a list item that needs no encoding. */
const PLAIN_LIST_ITEM =
  /^(?:[\x21-\x24\x26-\x2b\x2d-\x7e](?:[\x20-\x24\x26-\x2b\x2d-\x7e]*[\x21-\x24\x26-\x2b\x2d-\x7e])?)?$/;

/**
 * Whether the commas of a plain joined list are the separators alone — exactly one fewer than the
 * groups, so no group holds one — with no space on either side (a group's own edge space).
 */
function separatesGroupsOnly(joined: string, groupCount: number): boolean {
  let commas = 0;
  for (let at = joined.indexOf(","); at !== -1; at = joined.indexOf(",", at + 1)) {
    if (joined.charCodeAt(at - 1) === 0x20 || joined.charCodeAt(at + 1) === 0x20) return false;
    commas++;
  }
  return commas === groupCount - 1;
}

function containsAny(value: string, characters: string): boolean {
  for (const char of characters) if (value.includes(char)) return true;
  return false;
}
