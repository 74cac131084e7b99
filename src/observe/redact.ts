/**
 * Redaction for log lines: the last line of defence behind the rule that no token, cookie or secret
 * is ever put in a log field. Decision fields are chosen to be safe; this catches the mistakes.
 */

/** Longest string a log field keeps; longer ones are cut with "…". */
export const MAX_LOG_STRING_LENGTH = 256;

/** A JWT or JWS (header and payload are base64url JSON objects, so they start with "eyJ"), whole or a segment. */
const JWT_SHAPED = /eyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** A long opaque run (a signature segment, a secret, a random id): kids are shorter than this. */
const OPAQUE_RUN = /[A-Za-z0-9_-]{48,}/g;
const EMAIL_SHAPED = /[^\s@"'<>(),;:]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;

/** `***@example.com`: the domain says enough for triage, the mailbox identifies a person. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return at === -1 ? "***" : `***@${email.slice(at + 1).toLowerCase()}`;
}

/**
 * A string made safe for a log field: token-shaped and long opaque runs replaced, email addresses
 * masked unless `keepEmails`, length capped.
 */
export function redactLogValue(value: string, keepEmails: boolean): string {
  let text = value;
  if (text.includes("eyJ")) text = text.replace(JWT_SHAPED, "[jwt]");
  if (text.length >= 48) text = text.replace(OPAQUE_RUN, "[redacted]");
  if (!keepEmails && text.includes("@"))
    text = text.replace(EMAIL_SHAPED, (_match, domain: string) => maskEmail(`x@${domain}`));
  return text.length > MAX_LOG_STRING_LENGTH ? `${text.slice(0, MAX_LOG_STRING_LENGTH)}…` : text;
}
