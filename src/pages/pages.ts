import { AUTH_PATHS } from "../config/defaults.ts";
import type { FailureReason } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import { loginUrlFor } from "../oidc/login-url.ts";
import type { StepUpRequirement } from "../policy/step-up.ts";
import { describeStepUp } from "../policy/step-up-wording.ts";
import { escapeHtml, renderPage } from "./page.ts";

/** What an identity provider said when it did not sign the user in (RFC 6749 §4.1.2.1). */
export interface ProviderError {
  readonly error: string;
  readonly description?: string;
}

const HOME_LINK = '<a href="/">Go to the home page</a>';

function signOutForm(label = "Sign out"): string {
  return `<form method="post" action="${AUTH_PATHS.logout}"><button type="submit">${escapeHtml(label)}</button></form>`;
}

function explainSignInFailure(reason: FailureReason, providerError: ProviderError | undefined): string {
  switch (reason) {
    case "provider_error": {
      const said = providerError
        ? `<p>The identity provider answered <code>${escapeHtml(providerError.error)}</code>${
            providerError.description ? `: ${escapeHtml(providerError.description)}` : "."
          }</p>`
        : "";
      return `<p>The identity provider did not sign you in.</p>${said}`;
    }
    case "state_expired":
      return "<p>The sign-in took too long and has expired.</p>";
    case "state_missing":
    case "state_unknown":
    case "state_mismatch":
    case "state_reused":
      return "<p>This sign-in was not started in this browser, or it has already been completed.</p>";
    case "revoked":
      return "<p>Your access to this site has been revoked.</p>";
    case "userinfo_sub_mismatch":
      return "<p>The identity provider's user information names another account than the sign-in.</p>";
    case "userinfo_failed":
      return "<p>The identity provider's user information could not be had or used.</p>";
    case "step_up_mismatch":
      return "<p>This sign-in link does not belong to the page it leads back to.</p>";
    case "token_endpoint_unavailable":
    case "discovery_unavailable":
    case "jwks_unavailable":
      return "<p>The identity provider cannot be reached right now.</p>";
    default:
      return "<p>The identity provider's answer could not be verified.</p>";
  }
}

/** 400: a sign-in that cannot be completed. It offers to start again; it never redirects by itself. */
export function signInFailedPage(
  reason: FailureReason,
  retryUrl: string,
  providerError?: ProviderError,
): Response {
  return renderPage({
    status: 400,
    title: "Sign-in failed",
    bodyHtml:
      explainSignInFailure(reason, providerError) +
      `<div class="actions"><a class="button" href="${escapeHtml(retryUrl)}">Try again</a>${HOME_LINK}</div>`,
  });
}

/** 403: a signed-in user whom the route does not admit; says who they are and offers to sign out. */
export function forbiddenPage(identity: VerifiedIdentity, formActionOrigins: readonly string[]): Response {
  const who = identity.email ?? identity.name ?? identity.sub;
  const also = identity.name && identity.email ? ` (${escapeHtml(identity.name)})` : "";
  return renderPage({
    status: 403,
    title: "Not allowed",
    formActionOrigins,
    bodyHtml:
      `<p>You are signed in as <strong>${escapeHtml(who)}</strong>${also}, but this page is not open to your account.</p>` +
      "<p>Sign out to continue with another account.</p>" +
      `<div class="actions">${signOutForm("Sign out")}${HOME_LINK}</div>`,
  });
}

/**
 * 403: the provider left the user's groups out of the token (too many groups: Entra ID's group
 * overage), so a rule on groups cannot be decided. Says so, so the administrator can fix the claim.
 */
export function groupsWithheldPage(
  identity: VerifiedIdentity,
  formActionOrigins: readonly string[],
): Response {
  const who = identity.email ?? identity.name ?? identity.sub;
  return renderPage({
    status: 403,
    title: "Too many groups",
    formActionOrigins,
    bodyHtml:
      `<p>You are signed in as <strong>${escapeHtml(who)}</strong>, but your identity provider sent too many groups: it left them all out of the sign-in, so this site cannot tell whether this page is open to your account.</p>` +
      "<p>Ask the site's administrator to have the provider send only the groups (or app roles) this site uses.</p>" +
      `<div class="actions">${signOutForm("Sign out")}${HOME_LINK}</div>`,
  });
}

/**
 * 403: a sign-in made for a page that needs a stronger or more recent authentication came back without
 * it. It says what the page needs and offers to try again (a link, never a redirect: no loop).
 */
export function stepUpFailedPage(requirement: StepUpRequirement | undefined, retryUrl: string): Response {
  const needed = requirement === undefined ? "a stronger sign-in" : describeStepUp(requirement);
  return renderPage({
    status: 403,
    title: "A stronger sign-in is needed",
    bodyHtml:
      `<p>This page needs ${escapeHtml(needed)}.</p>` +
      "<p>The identity provider signed you in without it. Try again and choose a method that meets it, or ask the site's administrator.</p>" +
      `<div class="actions"><a class="button" href="${escapeHtml(retryUrl)}">Try again</a>${HOME_LINK}</div>`,
  });
}

/**
 * 403: a browser whose session (or whole account) an operator revoked. It never sends the browser to
 * sign in by itself (the provider would sign it straight back in); it offers a link when sign-in is on.
 */
export function accessRevokedPage(loginUrl: string | undefined): Response {
  const signIn =
    loginUrl === undefined ? "" : `<a class="button" href="${escapeHtml(loginUrl)}">Sign in again</a>`;
  return renderPage({
    status: 403,
    title: "Access revoked",
    bodyHtml:
      "<p>Your access to this site has been revoked, and you have been signed out.</p>" +
      "<p>If you think this is a mistake, contact the site's administrator.</p>" +
      `<div class="actions">${signIn}${HOME_LINK}</div>`,
  });
}

/** The page GET /auth/logout shows (and a refused cross-site POST): signing out takes a same-site POST. */
export function confirmSignOutPage(status: number, formActionOrigins: readonly string[]): Response {
  return renderPage({
    status,
    title: "Sign out?",
    formActionOrigins,
    bodyHtml: `<p>Sign out of this site?</p><div class="actions">${signOutForm("Sign out")}${HOME_LINK}</div>`,
  });
}

export function signedOutPage(): Response {
  return renderPage({
    status: 200,
    title: "Signed out",
    bodyHtml:
      "<p>You are signed out of this site.</p>" +
      `<div class="actions"><a class="button" href="${escapeHtml(loginUrlFor("/"))}">Sign in again</a>${HOME_LINK}</div>`,
  });
}

export function misconfiguredPage(): Response {
  return renderPage({
    status: 500,
    title: "Site misconfigured",
    bodyHtml:
      "<p>edge-auth is misconfigured, so this site cannot be served right now.</p>" +
      "<p>The operator can find the details in the worker's logs.</p>",
  });
}

export function unavailablePage(retryAfterSeconds: number): Response {
  return renderPage({
    status: 503,
    title: "Temporarily unavailable",
    headers: { "retry-after": String(retryAfterSeconds) },
    bodyHtml:
      "<p>Sign-in cannot be checked right now because the identity provider cannot be reached.</p>" +
      '<p>Please try again in a moment.</p><div class="actions"><a class="button" href="">Reload</a></div>',
  });
}

/** 400: a path origins may read in more than one way; it says no more than that it is not served. */
export function pathNotServedPage(): Response {
  return renderPage({
    status: 400,
    title: "Address not served",
    bodyHtml: `<p>This address cannot be served as it is written.</p><div class="actions">${HOME_LINK}</div>`,
  });
}

export function signInNotEnabledPage(): Response {
  return renderPage({
    status: 404,
    title: "Sign-in is not enabled",
    bodyHtml: `<p>This site does not offer browser sign-in.</p><div class="actions">${HOME_LINK}</div>`,
  });
}

/**
 * The page a provider loads in a hidden frame at front-channel logout (Front-Channel Logout 1.0 §3):
 * the provider's origin may frame it; nothing in it needs the user.
 */
export function frontChannelLogoutPage(status: 200 | 400 | 503, providerOrigin: string): Response {
  const text =
    status === 200
      ? "<p>You are signed out of this site.</p>"
      : status === 400
        ? "<p>This sign-out request does not name this site's identity provider and session.</p>"
        : "<p>The sign-out could not be completed right now.</p>";
  return renderPage({
    status,
    title: status === 200 ? "Signed out" : "Sign-out not completed",
    frameAncestors: [providerOrigin],
    bodyHtml: text,
  });
}
