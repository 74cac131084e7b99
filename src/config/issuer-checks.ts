import type { IssuerPolicy, RoutePolicy } from "./config.ts";
import type { ConfigProblem } from "./problem.ts";
import { type IssuerEntryInput, LOGIN_ISSUER_NAME } from "./schema-issuers.ts";

/** An AUTH_ISSUERS entry that is valid on its own, with its index in the list. */
export interface IndexedIssuerEntry {
  readonly index: number;
  readonly entry: IssuerEntryInput;
}

/**
 * The rules across issuers and across an issuer's own fields: names and `iss` values unique (a token
 * is matched to its issuer by `iss`, which must be unambiguous), algorithms from the allow-list, and
 * a way to tell an ID token from an access token when `typ` cannot.
 */
export function issuerProblems(
  entries: readonly IndexedIssuerEntry[],
  loginIssuer: string | undefined,
  allowedAlgorithms: readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const issuers = new Map<string, string>();
  if (loginIssuer !== undefined) issuers.set(loginIssuer, "OIDC_ISSUER");
  for (const { index, entry } of entries) {
    const at = `AUTH_ISSUERS[${index}]`;
    const sameName = names.get(entry.name);
    if (sameName !== undefined)
      problems.push({
        path: `${at}.name`,
        message: `${JSON.stringify(entry.name)} is already the name of AUTH_ISSUERS[${sameName}]; names must be unique`,
      });
    else names.set(entry.name, index);
    const sameIssuer = issuers.get(entry.issuer);
    if (sameIssuer !== undefined)
      problems.push({
        path: `${at}.issuer`,
        message: `${JSON.stringify(entry.issuer)} is already ${sameIssuer}'s issuer; a token is matched to its issuer by iss, so each issuer may appear once (list its audiences and token types in one entry)`,
      });
    else issuers.set(entry.issuer, at);
    entry.algorithms?.forEach((alg, position) => {
      if (!allowedAlgorithms.includes(alg))
        problems.push({
          path: `${at}.algorithms[${position}]`,
          message: `${JSON.stringify(alg)} is not in the allow-list (OIDC_ALLOWED_ALGS): ${allowedAlgorithms.join(", ")}`,
        });
    });
    problems.push(...tokenTypeProblems(entry, at));
  }
  return problems;
}

function tokenTypeProblems(entry: IssuerEntryInput, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const idTokens = entry.token_types.includes("id_token");
  const accessTokens = entry.token_types.includes("access_token");
  if (entry.access_token_typ === "any" && !accessTokens)
    problems.push({
      path: `${at}.access_token_typ`,
      message: 'applies to access tokens only; add "access_token" to token_types, or remove it',
    });
  if (entry.client_ids !== undefined && !idTokens)
    problems.push({
      path: `${at}.client_ids`,
      message: 'names the audiences of ID tokens; add "id_token" to token_types, or remove it',
    });
  // Without `typ: at+jwt`, only the audience tells an ID token (for a client) from an access token
  // (for an API): the two lists must exist and must not overlap.
  if (entry.access_token_typ === "any" && idTokens && accessTokens) {
    const clientIds = entry.client_ids;
    if (clientIds === undefined)
      problems.push({
        path: `${at}.client_ids`,
        message:
          'is required when token_types has both types and access_token_typ = "any": the audience then tells an ID token (aud: a client id) from an access token (aud: one of audiences)',
      });
    else {
      const shared = clientIds.filter((id) => entry.audiences.includes(id));
      if (shared.length > 0)
        problems.push({
          path: `${at}.client_ids`,
          message: `must not share values with audiences (${shared.map((id) => JSON.stringify(id)).join(", ")}): the audience decides a token's type`,
        });
    }
  }
  return problems;
}

/** Route rules against the issuers: names that exist, scopes some issuer can carry, sign-in possible. */
export function routeIssuerProblems(
  routes: readonly RoutePolicy[],
  issuersByName: ReadonlyMap<string, IssuerPolicy>,
  issuerNamesInput: ReadonlySet<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const known = [...issuerNamesInput].map((name) => JSON.stringify(name)).join(", ");
  for (const route of routes) {
    const at = `AUTH_ROUTES[${route.index}]`;
    route.issuers.forEach((name, position) => {
      if (!issuerNamesInput.has(name))
        problems.push({
          path: `${at}.issuers[${position}]`,
          message: `${JSON.stringify(name)} is not an issuer; known: ${known} (add it to AUTH_ISSUERS)`,
        });
    });
    if (route.access === "public") continue;
    const named = route.issuers.flatMap((name) => issuersByName.get(name) ?? []);
    if (
      route.requireScopes.length > 0 &&
      named.length === route.issuers.length &&
      !named.some((issuer) => issuer.tokenTypes.includes("access_token"))
    )
      problems.push({
        path: `${at}.require_scopes`,
        message:
          'needs an issuer that accepts access tokens (token_types = ["access_token"]); ID tokens carry no scopes',
      });
    if (route.unauthenticated === "login" && !route.issuers.includes(LOGIN_ISSUER_NAME))
      problems.push({
        path: `${at}.unauthenticated`,
        message: `is "login" but the route does not accept the sign-in issuer ("${LOGIN_ISSUER_NAME}" is not in its issuers); set "401" or "auto", or add "${LOGIN_ISSUER_NAME}"`,
      });
  }
  return problems;
}
