import * as v from "valibot";
import { nonEmptyString } from "./schema-values.ts";

const headerName = v.pipe(
  nonEmptyString,
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name"),
);

/**
 * Headers edge-auth must never set or strip for an identity: they carry the request's own framing,
 * credentials or routing, or belong to Cloudflare (`cf-…`).
 */
export const RESERVED_HEADER_NAMES = [
  "cookie",
  "authorization",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "te",
  "upgrade",
  "proxy-authorization",
  "set-cookie",
] as const;

/** Compared as the origin may see them: case-insensitively, `_` read as `-`. */
function foldHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, "-");
}

/** A header edge-auth writes for the origin (an identity header, the forwarded token). */
export const ownHeaderName = v.pipe(
  headerName,
  v.check(
    (name) => !(RESERVED_HEADER_NAMES as readonly string[]).includes(foldHeaderName(name)),
    (issue) =>
      `${JSON.stringify(issue.input)} is reserved (${RESERVED_HEADER_NAMES.join(", ")}); choose another name`,
  ),
  v.check(
    (name) => !foldHeaderName(name).startsWith("cf-"),
    (issue) =>
      `${JSON.stringify(issue.input)} starts with "cf-", which belongs to Cloudflare; choose another name`,
  ),
);

/**
 * Every client header starting with the prefix is stripped: it must be long enough to be specific and
 * must not swallow a reserved header, `X-Forwarded-…` or `cf-…`.
 */
export const identityHeaderPrefix = v.pipe(
  headerName,
  v.minLength(4, "must be at least 4 characters (every request header starting with it is removed)"),
  v.check(
    (prefix) =>
      ![...RESERVED_HEADER_NAMES, "x-forwarded-", "cf-"].some((name) =>
        name.startsWith(foldHeaderName(prefix)),
      ),
    (issue) =>
      `${JSON.stringify(issue.input)} would remove headers edge-auth must keep (${[...RESERVED_HEADER_NAMES, "X-Forwarded-*", "cf-*"].join(", ")}); use a specific prefix such as "X-Auth-"`,
  ),
);

/** IDENTITY_HEADERS: a table of claim = header name (TOML, or JSON text from `--var`/`.dev.vars`). */
export function identityHeadersSchema() {
  return v.strictObject(
    {
      sub: v.optional(ownHeaderName),
      email: v.optional(ownHeaderName),
      name: v.optional(ownHeaderName),
      groups: v.optional(ownHeaderName),
      issuer: v.optional(ownHeaderName),
    },
    (issue) =>
      issue.expected === "never"
        ? `unknown key ${JSON.stringify(issue.input)}; known: sub, email, name, groups, issuer`
        : "must be a table of claim = header name",
  );
}
