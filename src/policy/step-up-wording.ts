import type { StepUpRequirement } from "./step-up.ts";

/** Plain words for the RFC 8176 authentication method references people are most likely to meet. */
const METHOD_WORDS: Readonly<Record<string, string>> = {
  mfa: "multi-factor authentication",
  hwk: "a hardware-protected key",
  swk: "a software-protected key",
  otp: "a one-time password",
  sms: "a code sent by text message",
  fpt: "a fingerprint",
  face: "face recognition",
  pin: "a PIN",
  pwd: "a password",
  user: "user presence",
};

/**
 * What a requirement asks for, in words for people and for an RFC 9470 `error_description`:
 * "a sign-in with multi-factor authentication (amr mfa) within the last 5 minutes". The values come
 * from the configuration, which admits no quote or backslash in them.
 */
export function describeStepUp(requirement: StepUpRequirement): string {
  const parts: string[] = [];
  if (requirement.amr) {
    const words = requirement.amr.map((method) => METHOD_WORDS[method] ?? `the method ${method}`);
    parts.push(`${words.join(" or ")} (amr ${requirement.amr.join(" or ")})`);
  }
  if (requirement.acr) parts.push(`the authentication level ${requirement.acr.join(" or ")} (acr)`);
  const age =
    requirement.maxAgeSeconds === undefined ? "" : ` within the last ${duration(requirement.maxAgeSeconds)}`;
  return parts.length === 0 ? `a sign-in${age}` : `a sign-in with ${parts.join(" and ")}${age}`;
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

function plural(count: number, unit: string): string {
  return count === 1 ? unit : `${count} ${unit}s`;
}
