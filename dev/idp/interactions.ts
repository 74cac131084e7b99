import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { authenticateDemoUser, DEMO_USERS } from "./demo-users.ts";
import { loginPage, messagePage, PAGE_CSP } from "./views.ts";

/** Path prefix of the interaction routes (oidc-provider's default `interactions.url`). */
export const INTERACTION_PREFIX = "/interaction/";

const MAX_FORM_BYTES = 16 * 1024;

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

/**
 * Serves `GET /interaction/:uid` (the sign-in page) and `POST /interaction/:uid/login` (its form).
 * A right password finishes the login prompt; a wrong one shows the form again with an error.
 * Consent is never asked: `loadExistingGrant` grants what the client requests.
 */
export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const [uid, action, ...rest] = path.slice(INTERACTION_PREFIX.length).split("/");
  const isPage = req.method === "GET" && action === undefined;
  const isLogin = req.method === "POST" && action === "login" && rest.length === 0;
  if (!uid || !(isPage || isLogin)) {
    send(res, 404, messagePage("Not found", "There is nothing at this address."));
    return;
  }

  let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    send(
      res,
      400,
      messagePage("Sign-in expired", "This sign-in attempt is over. Start again from the site."),
    );
    return;
  }
  if (details.uid !== uid) {
    send(res, 400, messagePage("Sign-in mismatch", "This page belongs to another sign-in attempt."));
    return;
  }
  if (details.prompt.name !== "login") {
    // Only reached when a client asks for something outside the grant (e.g. native clients).
    await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }

  const client = await provider.Client.find(String(details.params.client_id));
  const page = { action: `${INTERACTION_PREFIX}${uid}/login`, clientName: client?.clientName ?? "the site" };
  if (isPage) {
    send(res, 200, loginPage({ ...page, users: DEMO_USERS }));
    return;
  }

  const form = await readForm(req);
  const username = form.get("username") ?? "";
  const user = authenticateDemoUser(username, form.get("password") ?? "");
  if (!user) {
    const error = "Wrong username or password.";
    send(res, 400, loginPage({ ...page, users: DEMO_USERS, username, error }));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub, amr: ["pwd"] } },
    { mergeWithLastSubmission: false },
  );
}
