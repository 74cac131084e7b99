/**
 * Proof that the servers answering on the stack's ports are the ones this run started, end to end and
 * without endpoints of their own: the provider's discovery names this run's issuer, and the worker's
 * sign-in sends the browser to THIS run's provider (whose port this process holds) with THIS run's
 * client id and a callback on the port the worker was given.
 */
export interface ExpectedWorker {
  readonly siteUrl: string;
  readonly issuer: string;
  readonly clientId: string;
}

export type Identity = { readonly ok: true } | { readonly ok: false; readonly found: string };

const LOGIN_PROBE_PATH = "/auth/login?return_to=/";
const PROBE_TIMEOUT_MS = 10_000;

/** Asks the worker to start a sign-in and checks where it sends the browser. */
export async function checkWorkerIdentity(expected: ExpectedWorker): Promise<Identity> {
  let response: Response;
  try {
    response = await fetch(`${expected.siteUrl}${LOGIN_PROBE_PATH}`, {
      redirect: "manual",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, found: `no answer to GET ${LOGIN_PROBE_PATH} (${describe(error)})` };
  }
  await response.body?.cancel();
  const location = response.headers.get("location");
  const answer = `GET ${LOGIN_PROBE_PATH} answered ${response.status}${location ? ` to ${location}` : ""}`;
  if (response.status !== 302 || !location) return { ok: false, found: answer };
  let target: URL;
  try {
    target = new URL(location);
  } catch {
    return { ok: false, found: answer };
  }
  const sameProvider = target.href.startsWith(`${expected.issuer}/`);
  const sameClient = target.searchParams.get("client_id") === expected.clientId;
  const sameCallback = target.searchParams.get("redirect_uri") === `${expected.siteUrl}/auth/callback`;
  return sameProvider && sameClient && sameCallback ? { ok: true } : { ok: false, found: answer };
}

/** Checks that the provider's discovery document names `issuer` as its issuer (OIDC Discovery §4.3). */
export async function checkProviderIdentity(issuer: string): Promise<Identity> {
  const url = `${issuer}/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const document = (await response.json().catch(() => undefined)) as { issuer?: unknown } | undefined;
    if (response.ok && document?.issuer === issuer) return { ok: true };
    return {
      ok: false,
      found: `${url} answered ${response.status} naming issuer ${String(document?.issuer)}`,
    };
  } catch (error) {
    return { ok: false, found: `no answer from ${url} (${describe(error)})` };
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}
